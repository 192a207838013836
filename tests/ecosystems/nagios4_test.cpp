// The shipped Nagios Core 4 files (nagios/nagios4/) in a real Nagios 4: validated with
// `nagios4 -v`, then run against the emulator; state, output and perfdata are read back
// from the daemon's status.dat.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "support/perfdata_parse.hpp"

namespace cfmon::testing {
namespace {

const std::string kNagios = "/usr/sbin/nagios4";
const std::string kShipped = source_dir() + "/nagios/nagios4";
// Debian's own object files (package nagios4-common): what the shipped files are pasted next to.
const std::string kDebianObjects = "/etc/nagios4/objects";

struct NagiosTree {
  TempDir dir;
  std::string cfg = dir.path() + "/nagios.cfg";
  std::string env_file = dir.path() + "/cfmon/cf-access.env";
  std::string targets_file = dir.path() + "/cfmon/targets";
  std::string api_env_file = dir.path() + "/cfmon/cf-api.env";
  std::string cache_dir = dir.path() + "/cache/cfmon";
  // As Debian runs it (where the test is root): Nagios started as root runs as nagios
  // (nagios_user), the checks from copies in the tree (as from /usr/lib/nagios/plugins),
  // and write_cfg gives it the tree (its credentials owned by nagios, mode 600).
  std::optional<DaemonAccount> account = daemon_account("nagios");

  NagiosTree() {
    std::filesystem::create_directories(dir.path() + "/cfmon");
    std::filesystem::create_directories(dir.path() + "/checkresults");
    const std::string plugins = reachable_copy(account, CFMON_PLUGIN_BUILD_DIR, dir.path());
    // The shipped files as they are, but for the paths of a real installation.
    const std::map<std::string, std::string> paths{{"/usr/lib/nagios/plugins", plugins},
                                                   {"/etc/nagios4/cfmon/cf-access.env", env_file},
                                                   {"/etc/nagios4/cfmon/targets", targets_file},
                                                   {"/etc/nagios4/cfmon/cf-api.env", api_env_file},
                                                   {"/var/lib/nagios4/cfmon", cache_dir}};
    for (const char* file : {"commands.cfg", "services.cfg", "resource.cfg"}) {
      copy_with_paths(kShipped + "/" + file, dir.path() + "/cfmon-" + file, paths);
    }
  }

  // A nagios.cfg for tests: everything in the temp dir, checks at once, status every second.
  void write_cfg(const std::vector<std::string>& object_files) const {
    const std::string& d = dir.path();
    std::string text;
    for (const auto& f : object_files) text += "cfg_file=" + f + "\n";
    text += "resource_file=" + d + "/cfmon-resource.cfg\n";
    for (const std::string& line :
         std::vector<std::string>{"log_file=" + d + "/nagios.log",
                                  "status_file=" + d + "/status.dat",
                                  "object_cache_file=" + d + "/objects.cache",
                                  "precached_object_file=" + d + "/objects.precache",
                                  "temp_file=" + d + "/nagios.tmp",
                                  "temp_path=" + d,
                                  "lock_file=" + d + "/nagios.lock",
                                  "check_result_path=" + d + "/checkresults",
                                  "command_file=" + d + "/nagios.cmd",
                                  "query_socket=" + d + "/nagios.qh",
                                  "state_retention_file=" + d + "/retention.dat",
                                  "debug_file=" + d + "/nagios.debug",
                                  "log_archive_path=" + d,
                                  "nagios_user=" + (account ? account->user : current_user()),
                                  "nagios_group=" + (account ? account->user : current_group()),
                                  "interval_length=1",
                                  "service_inter_check_delay_method=n",
                                  "max_service_check_spread=1",
                                  "status_update_interval=1",
                                  "check_result_reaper_frequency=1",
                                  "execute_host_checks=0",
                                  "retain_state_information=0",
                                  "check_external_commands=0",
                                  "enable_notifications=0",
                                  "use_syslog=0",
                                  "illegal_macro_output_chars=`~$&|'\"<>"}) {
      text += line + "\n";
    }
    spit(cfg, text);
    give_tree_to(d, account);  // the last step of the set-up: the tree is nagios's from here on
  }

  [[nodiscard]] std::vector<std::string> debian_objects() const {
    return {kDebianObjects + "/commands.cfg", kDebianObjects + "/contacts.cfg", kDebianObjects + "/timeperiods.cfg",
            kDebianObjects + "/templates.cfg"};
  }
};

TEST(Nagios4Config, ShippedFilesValidate) {
  CFMON_REQUIRE_TOOL(kNagios, "nagios4-core");
  NagiosTree tree;
  auto files = tree.debian_objects();
  files.push_back(tree.dir.path() + "/cfmon-commands.cfg");
  files.push_back(tree.dir.path() + "/cfmon-services.cfg");
  tree.write_cfg(files);
  const auto r = run(kNagios, {"-v", tree.cfg});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("Warning:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total Errors:   0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Checked 7 services."), std::string::npos) << r.out;
}

TEST(Nagios4Config, ValidationCatchesAServiceWithAnUnknownCommand) {
  CFMON_REQUIRE_TOOL(kNagios, "nagios4-core");
  NagiosTree tree;
  const std::string services = tree.dir.path() + "/cfmon-services.cfg";
  spit(services, replace_all(slurp(services), "check_cf_access_target!", "check_cf_access_targets!"));
  auto files = tree.debian_objects();
  files.push_back(tree.dir.path() + "/cfmon-commands.cfg");
  files.push_back(services);
  tree.write_cfg(files);
  EXPECT_NE(run(kNagios, {"-v", tree.cfg}).exit_code, 0);
}

TEST(Nagios4Config, ResourceMacrosHoldPathsNeverSecrets) {
  const std::string resource = slurp(kShipped + "/resource.cfg");
  const std::string commands = slurp(kShipped + "/commands.cfg");
  std::istringstream lines(resource);
  int macros = 0;
  for (std::string line; std::getline(lines, line);) {
    // The token's variables only appear in comments describing the credentials file.
    if (line.find("CF_SERVICE_TOKEN") != std::string::npos || line.find("CF_API_TOKEN") != std::string::npos) {
      EXPECT_EQ(line.front(), '#') << line;
    }
    if (line.rfind("$USER", 0) != 0) continue;
    ++macros;
    EXPECT_EQ(line.at(line.find('=') + 1), '/') << "not a path: " << line;
  }
  EXPECT_EQ(macros, 5);
  EXPECT_NE(commands.find("--cache-dir '$USER6$'"), std::string::npos);
  EXPECT_NE(commands.find("--env-file '$USER3$'"), std::string::npos);
  EXPECT_NE(commands.find("--env-file '$USER5$'"), std::string::npos);
  EXPECT_EQ(commands.find("--client-secret"), std::string::npos);
  EXPECT_EQ(commands.find("--api-token-file"), std::string::npos);
}

// servicestatus blocks of status.dat, by service_description.
std::map<std::string, std::map<std::string, std::string>> service_status(const std::string& path) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::istringstream in(slurp(path));
  std::map<std::string, std::string> block;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "servicestatus {") {
      inside = true;
      block.clear();
    } else if (inside && line.find('}') != std::string::npos && line.find('=') == std::string::npos) {
      inside = false;
      out[block["service_description"]] = block;
    } else if (inside) {
      const auto start = line.find_first_not_of('\t');
      const auto eq = line.find('=');
      if (start != std::string::npos && eq != std::string::npos)
        block[line.substr(start, eq - start)] = line.substr(eq + 1);
    }
  }
  return out;
}

TEST(Nagios4Daemon, ChecksOkWarningCriticalAppsAgainstTheEmulator) {
  CFMON_REQUIRE_TOOL(kNagios, "nagios4-core");
  auto& emu = shared_emulator();
  NagiosTree tree;
  const std::string ca = reachable_copy(tree.account, emu.ca_file(), tree.dir.path() + "/cfmon");
  spit(tree.env_file, emu.token_env_text());
  spit(tree.targets_file, "# name url\nbroken-origin " + emu.url("origin-502") + "\n");
  spit(tree.api_env_file,
       "CF_API_TOKEN=" + emu.config().at("api").at("api_tokens").at(0).at("token").get<std::string>() +
           "\nCF_ACCOUNT_ID=" + emu.config().at("api").at("account_id").get<std::string>() + "\n");
  const std::string port = std::to_string(emu.port());
  const std::string connection = " --ca-file " + ca + " --resolve ok.cfemu.test:" + port +
                                 ":127.0.0.1 --resolve origin-502.cfemu.test:" + port +
                                 ":127.0.0.1 --resolve legacy-403.cfemu.test:" + port + ":127.0.0.1";
  // Each service uses another of the shipped commands.
  const std::string services = tree.dir.path() + "/emulator-services.cfg";
  spit(services,
       "define host {\n    use generic-host\n    host_name emulator\n    address 127.0.0.1\n"
       "    max_check_attempts 1\n    check_period 24x7\n    contact_groups admins\n}\n"
       "define service {\n    use generic-service\n    host_name emulator\n    service_description ok\n"
       "    check_command check_cf_access!" +
           emu.url("ok") + "!" + connection +
           "\n}\n"
           "define service {\n    use generic-service\n    host_name emulator\n    service_description origin-502\n"
           "    check_command check_cf_access_target!broken-origin!" +
           connection +
           "\n}\n"
           "define service {\n    use generic-service\n    host_name emulator\n    service_description legacy-403\n"
           "    check_command check_cf_access_protected!" +
           emu.url("legacy-403") + "!" + connection +
           "\n}\n"
           "define service {\n    use generic-service\n    host_name emulator\n    service_description token-expired\n"
           "    check_command check_cf_service_tokens!expired!--api-url https://api.cfemu.test:" +
           port + "/client/v4 --resolve api.cfemu.test:" + port + ":127.0.0.1 --ca-file " + ca +
           " --cache-ttl 300\n}\n"
           "define service {\n    use generic-service\n    host_name emulator\n    service_description tunnel-down\n"
           "    check_command check_cf_tunnels!legacy-vpn!--api-url https://api.cfemu.test:" +
           port + "/client/v4 --resolve api.cfemu.test:" + port + ":127.0.0.1 --ca-file " + ca +
           "\n}\n"
           // The Access configuration of two applications for the token of the emulator.
           "define service {\n    use generic-service\n    host_name emulator\n    service_description apps-ok\n"
           "    check_command check_cf_access_apps!monitoring!ok!--api-url https://api.cfemu.test:" +
           port + "/client/v4 --resolve api.cfemu.test:" + port + ":127.0.0.1 --ca-file " + ca +
           " --cache-ttl 300\n}\n"
           "define service {\n    use generic-service\n    host_name emulator\n    service_description "
           "apps-bypass-everyone\n"
           "    check_command check_cf_access_apps!monitoring!bypass-everyone!--api-url https://api.cfemu.test:" +
           port + "/client/v4 --resolve api.cfemu.test:" + port + ":127.0.0.1 --ca-file " + ca + "\n}\n");
  auto files = tree.debian_objects();
  files.push_back(tree.dir.path() + "/cfmon-commands.cfg");
  files.push_back(services);
  tree.write_cfg(files);
  const auto check = run(kNagios, {"-v", tree.cfg});
  ASSERT_EQ(check.exit_code, 0) << check.out;

  // As Debian's unit starts it: no HOME, nothing but PATH and the locale.
  Daemon nagios({kNagios, tree.cfg}, tree.dir.path() + "/daemon.log", debian_unit_environment());
  const std::string status_file = tree.dir.path() + "/status.dat";
  std::map<std::string, std::map<std::string, std::string>> status;
  ASSERT_TRUE(wait_until(
      [&] {
        status = service_status(status_file);
        int checked = 0;
        for (auto& [name, s] : status) checked += s["has_been_checked"] == "1" ? 1 : 0;
        return checked == 7 || !nagios.running();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100)))
      << slurp(tree.dir.path() + "/nagios.log");
  ASSERT_TRUE(nagios.running()) << slurp(tree.dir.path() + "/daemon.log");
  if (tree.account) {
    // Started as root, it runs as nagios (nagios_user), as Debian's unit has it.
    EXPECT_EQ(process_uid(nagios.pid()), static_cast<long>(tree.account->uid));
  }

  struct Expect {
    const char* service;
    const char* state;
    const char* output;
    const char* size_label;
  };
  for (const Expect& e :
       {Expect{"ok", "0", "CF-ACCESS OK - ok.cfemu.test:", "size"},
        Expect{"origin-502", "1", "CF-ACCESS WARNING - broken-origin: token accepted, origin down", "size"},
        Expect{"legacy-403", "2", "CF-ACCESS CRITICAL - legacy-403.cfemu.test:", "size"}}) {
    SCOPED_TRACE(e.service);
    auto& s = status[e.service];
    EXPECT_EQ(s["has_been_checked"], "1");
    EXPECT_EQ(s["current_state"], e.state) << s["plugin_output"];
    EXPECT_EQ(s["plugin_output"].rfind(e.output, 0), 0U) << s["plugin_output"];
    std::map<std::string, Perfdata> perf;
    for (const auto& item : split_perfdata(s["performance_data"])) {
      const auto p = parse_perfdata(item);
      ASSERT_TRUE(p) << item;
      perf[p->label] = *p;
    }
    ASSERT_EQ(perf.size(), 5U) << s["performance_data"];
    EXPECT_EQ(perf["time"].uom, "s");
    EXPECT_GT(perf["time"].value, 0.0);
    EXPECT_EQ(perf["time"].min, "0");
    EXPECT_EQ(perf[e.size_label].uom, "B");
  }
  auto& tunnel = status["tunnel-down"];
  EXPECT_EQ(tunnel["current_state"], "2") << tunnel["plugin_output"];
  EXPECT_EQ(tunnel["plugin_output"].rfind("CF-TUNNELS CRITICAL - legacy-vpn: down: ", 0), 0U)
      << tunnel["plugin_output"];
  auto& token = status["token-expired"];
  EXPECT_EQ(token["current_state"], "2") << token["plugin_output"];
  EXPECT_EQ(token["plugin_output"].rfind("CF-TOKENS CRITICAL - expired: expired ", 0), 0U) << token["plugin_output"];
  const auto days = parse_perfdata(split_perfdata(token["performance_data"]).at(0));
  ASSERT_TRUE(days) << token["performance_data"];
  EXPECT_EQ(days->label, "days_left");
  EXPECT_LT(days->value, 0.0);
  // check_cf_access_apps through the shipped command: the prediction per application, with
  // its policy counts as perfdata.
  for (const auto& [service, state, output, policies, service_auth] :
       {std::tuple{"apps-ok", "0", "CF-ACCESS-APPS OK - ok: token 'monitoring' admitted by Service Auth policy", 1.0,
                   1.0},
        std::tuple{"apps-bypass-everyone", "2",
                   "CF-ACCESS-APPS CRITICAL - bypass-everyone: Bypass policy 'Public status page' includes everyone",
                   2.0, 1.0}}) {
    SCOPED_TRACE(service);
    auto& s = status[service];
    EXPECT_EQ(s["current_state"], state) << s["plugin_output"];
    EXPECT_EQ(s["plugin_output"].rfind(output, 0), 0U) << s["plugin_output"];
    std::map<std::string, double> perf;
    for (const auto& item : split_perfdata(s["performance_data"])) {
      const auto p = parse_perfdata(item);
      ASSERT_TRUE(p) << item;
      perf[p->label] = p->value;
    }
    EXPECT_EQ(perf, (std::map<std::string, double>{{"policies", policies}, {"service_auth_policies", service_auth}}))
        << s["performance_data"];
  }
  EXPECT_EQ(status["apps-ok"]["plugin_output"].find("warning:"), std::string::npos) << "--cache-ttl under $USER6$";

  // --cache-ttl without HOME: the list went to the shipped cache directory, silently.
  EXPECT_EQ(token["plugin_output"].find("warning:"), std::string::npos) << token["plugin_output"];
  EXPECT_FALSE(cache_entries(tree.cache_dir).empty());
  nagios.stop();
  EXPECT_FALSE(nagios.running());
}

}  // namespace
}  // namespace cfmon::testing
