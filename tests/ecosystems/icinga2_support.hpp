#pragma once
// A real Icinga 2 for the tests (icinga2_test.cpp, icinga2_distributed_test.cpp): a private
// tree every path of the daemon is redirected into, its validation, its certificates and
// its REST API.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon_support.hpp"
#include "harness.hpp"

namespace cfmon::testing {

inline const std::string kIcinga = "/usr/sbin/icinga2";

// A private Icinga 2 node: conf.d, zones.d, DataDir (certs/, ca/, api/), logs, cache, run
// directory and a cfmon/ for credentials files, all under one temporary directory.
struct IcingaTree {
  TempDir dir;
  std::string node_name;
  std::string zone_name;
  std::string conf_d = dir.path() + "/conf.d";
  std::string zones_d = dir.path() + "/zones.d";
  std::string main_conf = dir.path() + "/icinga2.conf";

  explicit IcingaTree(std::string node = "cfmon-test", std::string zone = "cfmon-test");

  // As Debian runs it: the daemon, started as root, runs as `account` (nagios), with the
  // checks copied into the tree's plugins/ (PluginDir, as /usr/lib/nagios/plugins), files
  // it reads made reachable by reachable_copy, and the tree given to that user
  // (give_tree_to) before it starts. Without it, everything runs as the test.
  std::optional<DaemonAccount> account;
  std::string plugin_dir = CFMON_PLUGIN_BUILD_DIR;
  void become(const DaemonAccount& daemon_user);

  // The command line `icinga2 <words>` (e.g. {"pki", "new-ca"}, {"object", "list"}) with
  // every path of the node redirected into the tree; `-c main_conf` is appended for `daemon`.
  [[nodiscard]] std::vector<std::string> command(const std::vector<std::string>& words) const;
  // `icinga2 daemon [mode]` (mode "-C": validate) of this node.
  [[nodiscard]] std::vector<std::string> args(const std::string& mode) const;

  // A shipped file of nagios/icinga2/ into the tree (relative `to`), as it is but for the
  // paths of a real installation (/etc/icinga2/cfmon -> the tree's cfmon/).
  void copy_shipped(const std::string& file, const std::string& to) const;
  // The single-node layout: the commands and apply rules in conf.d, with the example host.
  void copy_shipped(bool with_example_hosts) const;

  // What Debian's icinga2.conf and constants.conf provide, reduced to this node: PluginDir,
  // NodeName, ZoneName, the ITL, `extra`, then conf.d.
  void write_main(const std::string& extra) const;

  // This node's certificate (DataDir/certs/<NodeName>.crt|.key, ca.crt), made with
  // `icinga2 pki new-cert` and signed by `ca`'s CA (`icinga2 pki new-ca` in its DataDir/ca).
  // Empty on success, else what failed.
  [[nodiscard]] std::string sign_certificate(const IcingaTree& ca) const;
};

// The objects of a node the test talks to (for write_main): a checker, the API on
// 127.0.0.1 (bind_port 0: wait_for_api_port) and the API user cfmon-test.
std::string checker_and_api(const std::string& api_password);

RunResult icinga(const std::vector<std::string>& args);
RunResult validate(const IcingaTree& tree);

// The API port of a daemon started with `bind_port = 0` (the kernel picks it, the log says
// which; after a reload the newest listener counts), 0 when it is not listening within
// `limit` or stopped.
int wait_for_api_port(Daemon& daemon, const std::string& log, std::chrono::milliseconds limit);

// The API as the test's window into the daemon.
class IcingaApi {
 public:
  IcingaApi(int port, std::string user, std::string password, std::string ca)
      : port_(port), user_(std::move(user)), password_(std::move(password)), ca_(std::move(ca)) {}

  HttpAnswer call(const std::string& method, const std::string& path, const std::string& body = "") const;

 private:
  int port_;
  std::string user_;
  std::string password_;
  std::string ca_;
};

}  // namespace cfmon::testing
