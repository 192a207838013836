#include "zabbix_support.hpp"

#include <filesystem>

#include "daemon_support.hpp"

namespace cfmon::testing {
namespace {

const std::string kShipped = source_dir() + "/zabbix/userparameter_cf_access.conf";
const std::string kShippedTokens = source_dir() + "/zabbix/userparameter_cf_service_tokens.conf";
const std::string kShippedTunnels = source_dir() + "/zabbix/userparameter_cf_tunnels.conf";
const std::string kShippedLogins = source_dir() + "/zabbix/userparameter_cf_access_logins.conf";
const std::string kShippedApps = source_dir() + "/zabbix/userparameter_cf_access_apps.conf";

}  // namespace

AgentTree::AgentTree(Emulator& emu) {
  std::filesystem::create_directories(dir.path() + "/cfmon");
  std::filesystem::create_directories(dir.path() + "/plugins");
  // As the zabbix user (CI), the checks run from copies in the tree (as from an installed
  // /usr/lib/nagios/plugins) with a copy of the emulator's CA: the build tree and the
  // emulator's state directory need not be readable by that user.
  const auto binary = [&](const char* path) { return reachable_copy(account, path, dir.path() + "/bin"); };
  const std::string ca = reachable_copy(account, emu.ca_file(), dir.path());
  const std::string p = std::to_string(emu.port());
  const std::string api = " --api-url https://api.cfemu.test:" + p + "/client/v4 --resolve api.cfemu.test:" + p +
                          ":127.0.0.1 --ca-file " + ca + " \"$@\"\n";
  spit(dir.path() + "/plugins/check_cf_access",
       "#!/bin/sh\nexec " + binary(CFMON_CHECK_CF_ACCESS) + " --ca-file " + ca + " --resolve ok.cfemu.test:" + p +
           ":127.0.0.1 --resolve origin-502.cfemu.test:" + p + ":127.0.0.1 --resolve legacy-403.cfemu.test:" + p +
           ":127.0.0.1 \"$@\"\n",
       0700);
  spit(dir.path() + "/plugins/check_cf_service_tokens",
       "#!/bin/sh\nexec " + binary(CFMON_CHECK_CF_SERVICE_TOKENS) + api, 0700);
  spit(dir.path() + "/plugins/check_cf_access_apps", "#!/bin/sh\nexec " + binary(CFMON_CHECK_CF_ACCESS_APPS) + api,
       0700);
  spit(dir.path() + "/plugins/check_cf_tunnels", "#!/bin/sh\nexec " + binary(CFMON_CHECK_CF_TUNNELS) + api, 0700);
  spit(dir.path() + "/plugins/check_cf_access_logins", "#!/bin/sh\nexec " + binary(CFMON_CHECK_CF_ACCESS_LOGINS) + api,
       0700);
  // One cf-api.env for every API key, as the README has it: the token judged by the apps
  // keys under its _APPS name, which the token and logins keys (all tokens) do not select.
  spit(api_env_file, "CF_API_TOKEN=" + emu.config().at("api").at("api_tokens").at(0).at("token").get<std::string>() +
                         "\nCF_ACCOUNT_ID=" + emu.config().at("api").at("account_id").get<std::string>() +
                         "\nCF_SERVICE_TOKEN_CLIENT_ID_APPS=" + emu.client_id("monitoring") + "\n");
  spit(targets, "# the apps\nok " + emu.url("ok") + "\nbroken " + emu.url("origin-502") + "\nrejected " +
                    emu.url("legacy-403") + "\n");
  spit(env_file, emu.token_env_text());
  const std::string plugins = dir.path() + "/plugins";
  copy_with_paths(kShipped, dir.path() + "/userparameter_cf_access.conf",
                  {{"/usr/lib/nagios/plugins", plugins},
                   {"/etc/zabbix/cfmon/targets", targets},
                   {"/etc/zabbix/cfmon/cf-access.env", env_file}});
  for (const auto& shipped : {kShippedApps, kShippedTokens, kShippedLogins, kShippedTunnels}) {
    copy_with_paths(shipped, dir.path() + "/" + std::filesystem::path(shipped).filename().string(),
                    {{"/usr/lib/nagios/plugins", plugins}, {"/etc/zabbix/cfmon/cf-api.env", api_env_file}});
  }
  // The documented agent defaults that matter: Timeout 3, UnsafeUserParameters 0. Started
  // as root, the agent runs as User (zabbix), as Debian's unit has it; AllowRoot only where
  // the test is not root and so has no zabbix user to become.
  spit(conf, "LogType=file\nLogFile=" + dir.path() + "/agent.log\nPidFile=" + dir.path() +
                 "/agent.pid\nServer=127.0.0.1\nListenIP=127.0.0.1\nListenPort=" + std::to_string(port) +
                 "\nServerActive=\nHostname=cfmon-test\n" + (account ? "User=" + account->user : "AllowRoot=1") +
                 "\nTimeout=3\nUnsafeUserParameters=0\nStartAgents=2\nInclude=" + dir.path() +
                 "/userparameter_cf_*.conf\n");
  // The README's install steps: the credentials and targets owned by zabbix, mode 600.
  give_tree_to(dir.path(), account);
}

}  // namespace cfmon::testing
