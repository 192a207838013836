#include "icinga2_support.hpp"

#include <grp.h>

#include <filesystem>
#include <regex>

namespace cfmon::testing {

namespace {

const std::string kShipped = source_dir() + "/nagios/icinga2";

std::string group_name(gid_t gid) {
  const group* gr = ::getgrgid(gid);
  return gr != nullptr ? gr->gr_name : std::to_string(gid);
}

}  // namespace

IcingaTree::IcingaTree(std::string node, std::string zone) : node_name(std::move(node)), zone_name(std::move(zone)) {
  for (const char* sub : {"/conf.d", "/data", "/data/certs", "/log", "/cache", "/spool", "/run", "/cfmon"}) {
    std::filesystem::create_directories(dir.path() + sub);
  }
}

void IcingaTree::become(const DaemonAccount& daemon_user) {
  account = daemon_user;
  plugin_dir = reachable_copy(account, CFMON_PLUGIN_BUILD_DIR, dir.path());
}

std::vector<std::string> IcingaTree::command(const std::vector<std::string>& words) const {
  const std::string& d = dir.path();
  std::vector<std::string> a{kIcinga};
  a.insert(a.end(), words.begin(), words.end());
  for (const std::string& define : std::vector<std::string>{
           "Configuration.DataDir=" + d + "/data", "Configuration.LogDir=" + d + "/log",
           "Configuration.CacheDir=" + d + "/cache", "Configuration.SpoolDir=" + d + "/spool",
           "Configuration.InitRunDir=" + d + "/run", "Configuration.PidPath=" + d + "/run/icinga2.pid",
           // Read at start-up, zone by zone, even without an include: never /etc/icinga2/zones.d.
           "Configuration.ZonesDir=" + zones_d, "Configuration.RunAsUser=" + (account ? account->user : current_user()),
           "Configuration.RunAsGroup=" + (account ? group_name(account->gid) : current_group())}) {
    a.push_back("-D" + define);
  }
  if (!words.empty() && words.front() == "daemon") {
    a.push_back("-c");
    a.push_back(main_conf);
  }
  return a;
}

std::vector<std::string> IcingaTree::args(const std::string& mode) const {
  std::vector<std::string> words{"daemon"};
  if (!mode.empty()) words.push_back(mode);
  return command(words);
}

void IcingaTree::copy_shipped(const std::string& file, const std::string& to) const {
  const std::string target = dir.path() + "/" + to;
  std::filesystem::create_directories(std::filesystem::path(target).parent_path());
  copy_with_paths(kShipped + "/" + file, target, {{"/etc/icinga2/cfmon", dir.path() + "/cfmon"}});
}

void IcingaTree::copy_shipped(bool with_example_hosts) const {
  copy_shipped("cfmon-commands.conf", "conf.d/cfmon-commands.conf");
  copy_shipped("cfmon-services.conf", "conf.d/cfmon-services.conf");
  if (with_example_hosts) copy_shipped("cfmon-hosts.conf.example", "conf.d/cfmon-hosts.conf");
}

void IcingaTree::write_main(const std::string& extra) const {
  spit(main_conf, "const PluginDir = \"" + plugin_dir +
                      "\"\n"
                      "const NodeName = \"" +
                      node_name +
                      "\"\n"
                      "const ZoneName = \"" +
                      zone_name +
                      "\"\n"
                      "include <itl>\n" +
                      extra + "include_recursive \"conf.d\"\n");
}

std::string IcingaTree::sign_certificate(const IcingaTree& ca) const {
  const std::string certs = dir.path() + "/data/certs/";
  const std::string ca_crt = ca.dir.path() + "/data/ca/ca.crt";
  if (!std::filesystem::exists(ca_crt)) {
    const auto r = icinga(ca.command({"pki", "new-ca"}));
    if (r.exit_code != 0) return "pki new-ca: " + r.out + r.err;
  }
  const auto csr = icinga(command({"pki", "new-cert", "--cn", node_name, "--key", certs + node_name + ".key", "--csr",
                                   certs + node_name + ".csr"}));
  if (csr.exit_code != 0) return "pki new-cert: " + csr.out + csr.err;
  // Signed where the CA key is: with the CA node's DataDir.
  const auto sign = icinga(
      ca.command({"pki", "sign-csr", "--csr", certs + node_name + ".csr", "--cert", certs + node_name + ".crt"}));
  if (sign.exit_code != 0) return "pki sign-csr: " + sign.out + sign.err;
  std::filesystem::copy_file(ca_crt, certs + "ca.crt", std::filesystem::copy_options::overwrite_existing);
  return "";
}

std::string checker_and_api(const std::string& api_password) {
  return "object CheckerComponent \"checker\" {}\n"
         "object ApiListener \"api\" { bind_host = \"127.0.0.1\"; bind_port = 0 }\n"
         "object ApiUser \"cfmon-test\" { password = \"" +
         api_password + "\"; permissions = [ \"*\" ] }\n";
}

RunResult icinga(const std::vector<std::string>& args) {
  return run(args.front(), std::vector<std::string>(args.begin() + 1, args.end()), {}, std::chrono::seconds(60));
}

RunResult validate(const IcingaTree& tree) {
  return icinga(tree.args("-C"));
}

int wait_for_api_port(Daemon& daemon, const std::string& log, std::chrono::milliseconds limit) {
  int port = 0;
  const std::regex listener(R"(Started new listener on '\[127\.0\.0\.1\]:([0-9]+)')");
  wait_until(
      [&] {
        const std::string text = slurp(log);
        for (auto it = std::sregex_iterator(text.begin(), text.end(), listener); it != std::sregex_iterator(); ++it) {
          port = std::stoi((*it)[1]);
        }
        return port > 0 || !daemon.running();
      },
      limit);
  return port;
}

HttpAnswer IcingaApi::call(const std::string& method, const std::string& path, const std::string& body) const {
  HttpCall c;
  c.method = method;
  c.url = "https://127.0.0.1:" + std::to_string(port_) + path;
  c.body = body;
  c.headers = {"Accept: application/json"};
  if (method == "POST") c.headers.emplace_back("Content-Type: application/json");
  c.user_password = user_ + ":" + password_;
  c.ca_file = ca_;
  return http(c);
}

}  // namespace cfmon::testing
