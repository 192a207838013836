// A site behind a Zabbix proxy (zabbix/README.md, "Behind a Zabbix proxy"): Debian's
// zabbix_proxy 6.0 (SQLite, the schema Debian ships) in active mode, the agent of a host it
// monitors running the shipped UserParameter file, and the external check run by the proxy
// itself, against the emulator. There is no Zabbix server here (it needs PostgreSQL or
// MySQL and the frontend): in its place a listener speaks what an active proxy expects of
// one, the documented server-proxy exchange of 6.0. It answers "proxy config" with the
// table rows of one host monitored by the proxy and keeps the "history data" of every
// "proxy data" the proxy pushes: what reaches it is what a real server would store.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "zabbix_protocol.hpp"

namespace cfmon::testing {
namespace {

const std::string kProxy = "/usr/sbin/zabbix_proxy";
const std::string kAgent = "/usr/sbin/zabbix_agentd";
const std::string kSqlite = "/usr/bin/sqlite3";
const std::string kProxySchema = "/usr/share/zabbix-proxy-sqlite3/schema.sql.gz";
const std::string kShipped = source_dir() + "/zabbix/userparameter_cf_access.conf";
const std::string kProxyName = "site-a";

// The rows a server sends for one host: ids as the server's database would give them.
constexpr int kHostId = 10501;
constexpr int kInterfaceId = 10601;
constexpr int kAllAppsItem = 40001;     // agent: cf.access.all
constexpr int kRejectedItem = 40002;    // agent: cf.access[rejected]
constexpr int kExternalOkItem = 40003;  // external check on the proxy: the app "ok"
constexpr int kValueTypeText = 4;
constexpr int kTypeZabbixAgent = 0;
constexpr int kTypeExternal = 10;

// Listens on 127.0.0.1 and answers one request per connection, as the server does.
class FakeZabbixServer {
 public:
  explicit FakeZabbixServer(nlohmann::json configuration) : configuration_(std::move(configuration)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), size) != 0 ||
        ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeZabbixServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  FakeZabbixServer(const FakeZabbixServer&) = delete;
  FakeZabbixServer& operator=(const FakeZabbixServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::vector<nlohmann::json> config_requests() const {
    std::lock_guard lock(mutex_);
    return config_requests_;
  }
  // Every "history data" record received, in order.
  [[nodiscard]] std::vector<nlohmann::json> history() const {
    std::lock_guard lock(mutex_);
    return history_;
  }
  // The last value received for `itemid`; empty when none came yet.
  [[nodiscard]] std::string last_value(int itemid) const {
    std::string value;
    for (const auto& record : history()) {
      if (record.value("itemid", 0) == itemid && record.contains("value")) value = record.at("value");
    }
    return value;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 100) <= 0) continue;
      const int peer = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (peer < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      if (const auto message = read_zabbix_message(peer)) {
        const std::string answer = answer_to(nlohmann::json::parse(*message, nullptr, false));
        ::send(peer, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      ::close(peer);
    }
  }

  std::string answer_to(const nlohmann::json& request) {
    std::lock_guard lock(mutex_);
    if (request.is_object() && request.value("request", "") == "proxy config") {
      config_requests_.push_back(request);
      return zabbix_frame(configuration_.dump());
    }
    // "proxy data" (and the heartbeat): keep the history, acknowledge.
    if (request.is_object() && request.contains("history data")) {
      for (const auto& record : request.at("history data")) history_.push_back(record);
    }
    return zabbix_frame(R"({"response":"success"})");
  }

  nlohmann::json configuration_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> config_requests_;
  std::vector<nlohmann::json> history_;
};

// One table of the configuration as the server sends it: field names, then rows.
nlohmann::json table(std::vector<std::string> fields, nlohmann::json rows) {
  return {{"fields", std::move(fields)}, {"data", std::move(rows)}};
}

// The proxy host and the monitored host in one temp dir: the agent with the shipped
// UserParameter file (paths changed), the proxy with its SQLite database and
// ExternalScripts, the targets and credentials files both read. check_cf_access is a
// wrapper adding the emulator's --resolve and --ca-file (a real site reaches Cloudflare
// by DNS and the system CA store).
struct ProxySite {
  TempDir dir;
  std::string plugins = dir.path() + "/plugins";
  std::string external_scripts = dir.path() + "/externalscripts";
  std::string targets = dir.path() + "/cfmon/targets";
  std::string env_file = dir.path() + "/cfmon/cf-access.env";
  std::string agent_conf = dir.path() + "/zabbix_agentd.conf";
  std::string proxy_conf = dir.path() + "/zabbix_proxy.conf";
  std::string proxy_db = dir.path() + "/zabbix_proxy.db";
  int agent_port = free_zabbix_port();
  int proxy_port = free_zabbix_port();
  // As Debian's units run them (where the test is root): agent and proxy, started as root,
  // run as zabbix, the check from a copy in the tree, the credentials owned by zabbix.
  std::optional<DaemonAccount> account = daemon_account("zabbix");

  explicit ProxySite(Emulator& emu) {
    for (const auto& d : {plugins, external_scripts, dir.path() + "/cfmon"}) std::filesystem::create_directories(d);
    const std::string ca = reachable_copy(account, emu.ca_file(), dir.path() + "/cfmon");
    const std::string binary = reachable_copy(account, CFMON_CHECK_CF_ACCESS, dir.path() + "/bin");
    // Each app's --resolve, and the emulator's --ca-file once.
    std::string wrapper = "#!/bin/sh\nexec " + binary;
    for (const char* app : {"ok", "legacy-403"}) {
      const auto args = emu.connection_args(app);
      for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
        const std::string pair = " '" + args[i] + "' '" + (args[i] == "--ca-file" ? ca : args[i + 1]) + "'";
        if (wrapper.find(pair) == std::string::npos) wrapper += pair;
      }
    }
    spit(plugins + "/check_cf_access", wrapper + " \"$@\"\n", 0700);
    // As the README has it: the binary linked into the proxy's ExternalScripts.
    std::filesystem::create_symlink(plugins + "/check_cf_access", external_scripts + "/check_cf_access");
    spit(targets, "ok " + emu.url("ok") + "\nrejected " + emu.url("legacy-403") + "\n");
    spit(env_file, emu.token_env_text());
    copy_with_paths(kShipped, dir.path() + "/userparameter_cf_access.conf",
                    {{"/usr/lib/nagios/plugins", plugins},
                     {"/etc/zabbix/cfmon/targets", targets},
                     {"/etc/zabbix/cfmon/cf-access.env", env_file}});
    spit(agent_conf, "LogType=file\nLogFile=" + dir.path() + "/agent.log\nPidFile=" + dir.path() +
                         "/agent.pid\nServer=127.0.0.1\nListenIP=127.0.0.1\nListenPort=" + std::to_string(agent_port) +
                         "\nServerActive=\nHostname=site-a-web\n" + run_as() +
                         "\nTimeout=3\nStartAgents=2\nInclude=" + dir.path() + "/userparameter_cf_access.conf\n");
  }

  // Who the daemons run as: User=zabbix when started as root, as Debian's units have it;
  // AllowRoot only where the test is not root and so has no zabbix user to become.
  [[nodiscard]] std::string run_as() const { return account ? "User=" + account->user : "AllowRoot=1"; }

  // The documented external check key of one app, with this site's paths.
  [[nodiscard]] std::string external_key(const std::string& target) const {
    // Zabbix's key syntax for quoted parameters is a JSON array of strings.
    return "check_cf_access" + nlohmann::json::array({"--targets-file", targets, "--env-file", env_file, "--timeout",
                                                      "2", "--format", "zabbix", "--target", target})
                                   .dump();
  }

  // What the server sends the proxy: one monitored host, its agent interface, its items.
  [[nodiscard]] nlohmann::json configuration() const {
    const auto agent_item = [](int itemid, const std::string& key) {
      return nlohmann::json::array({itemid, kTypeZabbixAgent, kHostId, key, "2s", 0, kValueTypeText, kInterfaceId});
    };
    return {
        {"hosts", table({"hostid", "host", "name", "status"}, {{kHostId, "site-a-web", "site-a-web", 0}})},
        {"interface", table({"interfaceid", "hostid", "main", "type", "useip", "ip", "dns", "port"},
                            {{kInterfaceId, kHostId, 1, 1, 1, "127.0.0.1", "", std::to_string(agent_port)}})},
        {"items",
         table({"itemid", "type", "hostid", "key_", "delay", "status", "value_type", "interfaceid"},
               {agent_item(kAllAppsItem, "cf.access.all"),
                agent_item(kRejectedItem, "cf.access[rejected]"),
                {kExternalOkItem, kTypeExternal, kHostId, external_key("ok"), "2s", 0, kValueTypeText, nullptr}})},
        {"item_rtdata", table({"itemid", "lastlogsize", "mtime"},
                              {{kAllAppsItem, 0, 0}, {kRejectedItem, 0, 0}, {kExternalOkItem, 0, 0}})},
    };
  }

  // The database as Debian's README.Debian makes it (in one transaction: seconds faster),
  // and the proxy's settings: active, reporting to `server_port`, Debian's Timeout=4.
  void write_proxy(int server_port) const {
    const auto created =
        run("/bin/sh", {"-c", "{ echo 'BEGIN;'; zcat " + kProxySchema + "; echo 'COMMIT;'; } | sqlite3 " + proxy_db});
    if (created.exit_code != 0) throw std::runtime_error("cannot create the proxy database: " + created.err);
    spit(proxy_conf, "ProxyMode=0\nServer=127.0.0.1:" + std::to_string(server_port) + "\nHostname=" + kProxyName +
                         "\nListenIP=127.0.0.1\nListenPort=" + std::to_string(proxy_port) + "\nLogType=file\nLogFile=" +
                         dir.path() + "/proxy.log\nPidFile=" + dir.path() + "/proxy.pid\nSocketDir=" + dir.path() +
                         "\nDBName=" + proxy_db + "\n" + run_as() + "\nTimeout=4\nExternalScripts=" + external_scripts +
                         "\nDataSenderFrequency=1\nStartPollers=2\nStartPollersUnreachable=1\nStartTrappers=1\n"
                         "StartPingers=0\nStartDiscoverers=0\nStartHTTPPollers=0\nStartDBSyncers=1\n");
    // The last step of the set-up: the site's files are zabbix's, as the README installs them.
    give_tree_to(dir.path(), account);
  }
};

nlohmann::json parsed(const std::string& value) {
  return nlohmann::json::parse(value, nullptr, false);
}

TEST(ZabbixProxy, ActiveProxyCollectsTheShippedKeysAndPushesTheirValues) {
  CFMON_REQUIRE_TOOL(kProxy, "zabbix-proxy-sqlite3");
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  CFMON_REQUIRE_TOOL(kSqlite, "sqlite3");
  auto& emu = shared_emulator();
  ProxySite site(emu);
  FakeZabbixServer server(site.configuration());
  site.write_proxy(server.port());

  // As Debian's units start them (User=zabbix, whose HOME is /nonexistent).
  auto unit_env = debian_unit_environment();
  unit_env["HOME"] = "/nonexistent";
  Daemon agent({kAgent, "-f", "-c", site.agent_conf}, site.dir.path() + "/agent-daemon.log", unit_env);
  // The proxy polls an agent that is already listening (a refused first poll would
  // postpone its items by UnreachableDelay).
  ASSERT_TRUE(wait_until([&] { return passive_get(site.agent_port, "agent.ping") == "1" || !agent.running(); },
                         std::chrono::seconds(30)))
      << slurp(site.dir.path() + "/agent.log");
  ASSERT_TRUE(agent.running()) << slurp(site.dir.path() + "/agent.log");

  Daemon proxy({kProxy, "-f", "-c", site.proxy_conf}, site.dir.path() + "/proxy-daemon.log", unit_env);
  const auto values_arrived = [&] {
    return (!server.last_value(kAllAppsItem).empty() && !server.last_value(kRejectedItem).empty() &&
            !server.last_value(kExternalOkItem).empty()) ||
           !proxy.running();
  };
  ASSERT_TRUE(wait_until(values_arrived, std::chrono::seconds(45)))
      << "history so far: " << nlohmann::json(server.history()).dump() << "\n"
      << slurp(site.dir.path() + "/proxy.log");
  ASSERT_TRUE(proxy.running()) << slurp(site.dir.path() + "/proxy.log");

  // The proxy asked for its configuration under its Hostname, as a 6.0 proxy.
  const auto asked = server.config_requests();
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.front().value("host", ""), kProxyName) << asked.front().dump();
  EXPECT_EQ(asked.front().value("version", "").rfind("6.0.", 0), 0U) << asked.front().dump();

  // The agent's keys, polled by the proxy: both apps in one run, the refused one alone.
  const auto all = parsed(server.last_value(kAllAppsItem));
  ASSERT_TRUE(all.is_array()) << server.last_value(kAllAppsItem);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& o : all) by_name[o.at("name").get<std::string>()] = o;
  EXPECT_EQ(by_name["ok"].value("state", -1), 0) << all.dump();
  EXPECT_EQ(by_name["rejected"].value("state", -1), 2) << all.dump();
  const auto rejected = parsed(server.last_value(kRejectedItem));
  EXPECT_EQ(rejected.value("state", -1), 2) << rejected.dump();
  EXPECT_EQ(rejected.value("result", ""), "token_rejected") << rejected.dump();

  // The external check, run by the proxy itself with no environment: the token came from
  // the --env-file of the key, and the value is the JSON alone.
  const auto ok = parsed(server.last_value(kExternalOkItem));
  EXPECT_EQ(ok.value("state", -1), 0) << server.last_value(kExternalOkItem);
  EXPECT_EQ(ok.value("result", ""), "token_accepted") << ok.dump();

  // `zabbix_proxy -R config_cache_reload` makes an active proxy ask the server again.
  const std::size_t before = server.config_requests().size();
  const auto reload = run(kProxy, {"-c", site.proxy_conf, "-R", "config_cache_reload"}, {}, std::chrono::seconds(30));
  EXPECT_EQ(reload.exit_code, 0) << reload.out << reload.err;
  EXPECT_TRUE(wait_until([&] { return server.config_requests().size() > before; }, std::chrono::seconds(20)))
      << slurp(site.dir.path() + "/proxy.log");

  // Neither what reached the server nor the logs hold the secret.
  const std::string secret = emu.client_secret("monitoring");
  EXPECT_EQ(nlohmann::json(server.history()).dump().find(secret), std::string::npos);
  EXPECT_EQ(slurp(site.dir.path() + "/proxy.log").find(secret), std::string::npos);
  EXPECT_EQ(slurp(site.dir.path() + "/agent.log").find(secret), std::string::npos);
  proxy.stop();
  agent.stop();
  EXPECT_FALSE(proxy.running());
}

}  // namespace
}  // namespace cfmon::testing
