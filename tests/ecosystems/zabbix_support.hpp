#pragma once
// What the Zabbix tests share: a Zabbix agent
// configuration holding the shipped UserParameter files (zabbix/userparameter_cf_*.conf)
// with only their paths changed, against the emulator.
#include <optional>
#include <string>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "support/temp_dir.hpp"
#include "zabbix_protocol.hpp"

namespace cfmon::testing {

// An agent configuration in a temp dir, including the shipped file with only its paths
// changed. The check's path becomes a wrapper that adds the emulator's --resolve and
// --ca-file (a real installation reaches Cloudflare by DNS and the system CA store).
struct AgentTree {
  TempDir dir;
  std::string conf = dir.path() + "/zabbix_agentd.conf";
  std::string targets = dir.path() + "/cfmon/targets";
  std::string env_file = dir.path() + "/cfmon/cf-access.env";
  std::string api_env_file = dir.path() + "/cfmon/cf-api.env";
  int port = free_zabbix_port();
  // The zabbix user the agent runs as, where the test can become it (root, CI).
  std::optional<DaemonAccount> account = daemon_account("zabbix");

  explicit AgentTree(Emulator& emu);
};

}  // namespace cfmon::testing
