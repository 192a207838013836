// The distributed layout of nagios/icinga2/ (cfmon-zones.conf.example,
// cfmon-distributed.conf.example, the command endpoint of cfmon-services.conf) in two real
// Icinga 2 daemons on 127.0.0.1: a master and a satellite with certificates of their own
// CA. The master schedules, the satellite runs check_cf_access against the emulator with
// the credentials file only it holds, the master runs the API checks; the results are read
// back from the master's REST API.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "icinga2_support.hpp"

namespace cfmon::testing {
namespace {

// The names of the shipped example: the test's nodes are called what the file says.
const std::string kMaster = "master1.example.com";
const std::string kSatellite = "satellite1.example.com";

// The master's configuration directory as cfmon-zones.conf.example lays it out.
void copy_master_layout(const IcingaTree& master) {
  master.copy_shipped("cfmon-zones.conf.example", "zones.conf");
  master.copy_shipped("cfmon-commands.conf", "zones.d/global-templates/cfmon-commands.conf");
  master.copy_shipped("cfmon-services.conf", "zones.d/master/cfmon-services.conf");
}

// The satellite's ApiListener as the example's comment asks for it.
const std::string kSatelliteListener =
    "object ApiListener \"api\" { bind_host = \"127.0.0.1\"; bind_port = 0; accept_commands = true; accept_config = "
    "true }\n";

// Service name -> its command_endpoint ("" for none), from `icinga2 object list` after a
// validation (which wrote the objects file into the tree's cache).
std::map<std::string, std::string> command_endpoints(const IcingaTree& tree) {
  const auto list = icinga(tree.command({"object", "list", "--type", "Service"}));
  std::map<std::string, std::string> endpoints;
  std::istringstream lines(list.out);
  std::string service;
  for (std::string line; std::getline(lines, line);) {
    const std::string object = "Object '";
    if (line.rfind(object, 0) == 0)
      service = line.substr(object.size(), line.find('\'', object.size()) - object.size());
    const std::string attribute = "  * command_endpoint = ";
    if (line.rfind(attribute, 0) == 0) {
      std::string value = line.substr(attribute.size());
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      endpoints[service] = value;
    }
  }
  return endpoints;
}

TEST(Icinga2DistributedConfig, ShippedLayoutValidatesOnMasterAndSatellite) {
  CFMON_REQUIRE_TOOL(kIcinga, "icinga2-bin");
  IcingaTree master(kMaster, "master");
  copy_master_layout(master);
  master.copy_shipped("cfmon-distributed.conf.example", "zones.d/master/cfmon-hosts.conf");
  master.write_main("include \"zones.conf\"\n");
  const auto r = validate(master);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The site's two apps; the account's token, tunnel, logins and two Access applications.
  EXPECT_NE(r.out.find("Instantiated 7 Services"), std::string::npos) << r.out;

  // check_cf_access runs on the site's satellite, every API check on the master.
  const auto endpoints = command_endpoints(master);
  ASSERT_EQ(endpoints.size(), 7U);
  for (const auto& [service, endpoint] : endpoints) {
    const bool probe = service.rfind("cloudflare-access-site1!cf-access-", 0) == 0;
    EXPECT_EQ(endpoint, probe ? kSatellite : "") << service;
  }
  EXPECT_EQ(endpoints.count("cloudflare-access-site1!cf-access-wiki"), 1U);
  EXPECT_EQ(endpoints.count("cloudflare-account!cf-tunnel-prod-web"), 1U);

  // The satellite: the same zones (its ApiListener needs its certificate: the daemon test).
  IcingaTree satellite(kSatellite, "site1");
  satellite.copy_shipped("cfmon-zones.conf.example", "zones.conf");
  satellite.write_main("include \"zones.conf\"\n");
  const auto s = validate(satellite);
  EXPECT_EQ(s.exit_code, 0) << s.out << s.err;
}

TEST(Icinga2Distributed, SatelliteProbesTheSiteAppsAndTheMasterReportsThem) {
  CFMON_REQUIRE_TOOL(kIcinga, "icinga2-bin");
  auto& emu = shared_emulator();
  IcingaTree master(kMaster, "master");
  IcingaTree satellite(kSatellite, "site1");

  // One CA, in the master's DataDir/ca as `icinga2 node wizard` leaves it; a certificate
  // per node with its endpoint name as CN.
  for (const IcingaTree* node : {&master, &satellite}) {
    const std::string failed = node->sign_certificate(master);
    ASSERT_EQ(failed, "") << node->node_name;
  }
  const std::string password = md5_hex(master.dir.path() + std::to_string(::getpid()));

  // The credentials file in the satellite's tree only, as cfmon-distributed.conf.example
  // says (on one machine the master could read it too: check_source tells who ran it).
  const std::string env_file = satellite.dir.write("cfmon/cf-access.env", emu.token_env_text());
  const std::string port = std::to_string(emu.port());
  const std::string account = emu.config().at("api").at("account_id");
  const std::string api_token = emu.config().at("api").at("api_tokens").at(0).at("token");
  const auto var = [](const std::string& name, const std::string& value) {
    return "  vars." + name + " = \"" + value + "\"\n";
  };
  const std::string hosts =
      // The site, as in cfmon-distributed.conf.example: its apps probed by its satellite.
      "object Host \"site1\" {\n  check_command = \"dummy\"\n" + var("cfmon_command_endpoint", kSatellite) +
      var("cf_access_env_file", env_file) + var("cf_access_ca_file", emu.ca_file()) +
      "  vars.cf_access_resolve = [ \"ok.cfemu.test:" + port + ":127.0.0.1\", \"legacy-403.cfemu.test:" + port +
      ":127.0.0.1\" ]\n" + "  vars.cf_access_apps[\"ok\"] = { cf_access_url = \"" + emu.url("ok") + "\" }\n" +
      "  vars.cf_access_apps[\"legacy-403\"] = { cf_access_url = \"" + emu.url("legacy-403") + "\" }\n}\n" +
      // The account, checked from the master through the API (token through env).
      "object Host \"account\" {\n  check_command = \"dummy\"\n" +
      var("cf_tunnels_api_url", "https://api.cfemu.test:" + port + "/client/v4") +
      var("cf_tunnels_resolve", "api.cfemu.test:" + port + ":127.0.0.1") + var("cf_tunnels_ca_file", emu.ca_file()) +
      var("cf_tunnels_account_id", account) + var("cf_tunnels_api_token", api_token) +
      "  vars.cf_tunnels[\"prod-web\"] = {}\n}\n";
  copy_master_layout(master);
  spit(master.zones_d + "/master/emulator-hosts.conf", hosts);
  master.write_main("include \"zones.conf\"\n" + checker_and_api(password));
  const auto check = validate(master);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;

  // As Debian's unit starts them: no HOME, nothing but PATH and the locale.
  const std::string master_log = master.dir.path() + "/daemon.log";
  Daemon master_daemon(master.args(""), master_log, debian_unit_environment());
  const int master_port = wait_for_api_port(master_daemon, master_log, std::chrono::seconds(30));
  ASSERT_GT(master_port, 0) << slurp(master_log);

  // The satellite connects to the master: the example's host line, on 127.0.0.1 and the
  // port the master got.
  copy_with_paths(source_dir() + "/nagios/icinga2/cfmon-zones.conf.example", satellite.dir.path() + "/zones.conf",
                  {{"host = \"" + kMaster + "\"", "host = \"127.0.0.1\""},
                   {"// port = \"5665\"", "port = \"" + std::to_string(master_port) + "\""}});
  satellite.write_main("include \"zones.conf\"\nobject CheckerComponent \"checker\" {}\n" + kSatelliteListener);
  const auto satellite_check = validate(satellite);
  ASSERT_EQ(satellite_check.exit_code, 0) << satellite_check.out << satellite_check.err;
  const std::string satellite_log = satellite.dir.path() + "/daemon.log";
  Daemon satellite_daemon(satellite.args(""), satellite_log, debian_unit_environment());

  // The satellite gets the CheckCommands through the config sync of global-templates and
  // reloads; until then (or while it is not connected) a check sent to it comes back
  // without a CF- line, or not at all. So: force the checks again until every service has
  // a result of its check (a checker's random first slot would be minutes away).
  IcingaApi api(master_port, "cfmon-test", password, master.dir.path() + "/data/certs/ca.crt");
  std::map<std::string, nlohmann::json> results;
  HttpAnswer last;
  auto last_force = std::chrono::steady_clock::time_point{};
  const bool all_checked = wait_until(
      [&] {
        if (!master_daemon.running() || !satellite_daemon.running()) return true;
        if (std::chrono::steady_clock::now() - last_force > std::chrono::seconds(1)) {
          api.call("POST", "/v1/actions/reschedule-check", R"({"type":"Service","filter":"true","force":true})");
          last_force = std::chrono::steady_clock::now();
        }
        last = api.call("GET", "/v1/objects/services?attrs=last_check_result");
        if (last.status != 200) return false;
        results.clear();
        const auto body = nlohmann::json::parse(last.body);
        for (const auto& s : body.at("results")) {
          const auto& cr = s.at("attrs").at("last_check_result");
          if (!cr.is_null() && cr.at("output").get<std::string>().rfind("CF-", 0) == 0)
            results[s.at("name").get<std::string>()] = cr;
        }
        return results.size() == 3;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100));
  ASSERT_TRUE(master_daemon.running()) << slurp(master_log);
  ASSERT_TRUE(satellite_daemon.running()) << slurp(satellite_log);
  ASSERT_TRUE(all_checked) << last.status << " " << last.error << " " << last.body << "\n" << slurp(satellite_log);

  struct Expect {
    const char* service;
    int state;
    const std::string& check_source;
    const char* output;
  };
  for (const Expect& e :
       {Expect{"site1!cf-access-ok", 0, kSatellite, "CF-ACCESS OK - ok.cfemu.test:"},
        Expect{"site1!cf-access-legacy-403", 2, kSatellite, "CF-ACCESS CRITICAL - legacy-403.cfemu.test:"},
        Expect{"account!cf-tunnel-prod-web", 0, kMaster, "CF-TUNNELS OK - prod-web: healthy"}}) {
    SCOPED_TRACE(e.service);
    ASSERT_EQ(results.count(e.service), 1U);
    const auto& cr = results[e.service];
    EXPECT_EQ(cr.at("check_source").get<std::string>(), e.check_source) << cr.dump();
    EXPECT_EQ(cr.at("state").get<double>(), e.state) << cr.dump();
    EXPECT_EQ(cr.at("output").get<std::string>().rfind(e.output, 0), 0U) << cr.dump();
    // What ran: the path of the satellite's credentials file, never a secret.
    const std::string command = cr.at("command").dump();
    EXPECT_EQ(command.find(emu.client_secret("monitoring")), std::string::npos) << command;
    EXPECT_EQ(command.find(api_token), std::string::npos) << command;
  }
  EXPECT_NE(results["site1!cf-access-ok"].at("command").dump().find(env_file), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(master.dir.path() + "/cfmon/cf-access.env"));

  satellite_daemon.stop();
  master_daemon.stop();
  EXPECT_FALSE(satellite_daemon.running());
  EXPECT_FALSE(master_daemon.running());
}

}  // namespace
}  // namespace cfmon::testing
