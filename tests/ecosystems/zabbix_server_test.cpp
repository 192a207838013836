// The shipped template (zabbix/template/cfmon_cloudflare_access.yaml) in a real Zabbix 6.0
// server: a private PostgreSQL 15 cluster holding Debian's Zabbix schema, `zabbix_server`
// on it, Debian's frontend served by `php -S` for the JSON-RPC API, and agents running the
// shipped UserParameters against the emulator. The template is imported through the API,
// linked to hosts, and the test reads back the problems the server raised (ctest label
// `zabbix_server`).
#include <gtest/gtest.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "zabbix_protocol.hpp"
#include "zabbix_support.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

const std::string kPgBin = "/usr/lib/postgresql/15/bin";
const std::string kAgent = "/usr/sbin/zabbix_agentd";
const std::string kPhp = "/usr/bin/php";
const std::string kFrontend = "/usr/share/zabbix";
const std::string kTemplate = source_dir() + "/zabbix/template/cfmon_cloudflare_access.yaml";

// zabbix-server-pgsql conflicts with every zabbix-proxy package in Debian, so
// cmake/install-debian-deps.sh unpacks it (dpkg-deb -x) where the proxy's tests can
// still have theirs installed; an installed server is taken first.
std::string server_root() {
  if (::access("/usr/sbin/zabbix_server", X_OK) == 0) return "/";
  return CFMON_ZABBIX_SERVER_ROOT;
}

// PostgreSQL refuses to run as root: as root, its processes run as the postgres user
// (setpriv execs, so the PID held is the server's own).
std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"});
  return argv;
}

void give_to_postgres(const std::string& path) {
  if (::geteuid() != 0) return;
  const passwd* pw = ::getpwnam("postgres");
  ASSERT_NE(pw, nullptr) << "no postgres user (Debian package postgresql)";
  ASSERT_EQ(::chown(path.c_str(), pw->pw_uid, pw->pw_gid), 0) << path;
}

// A private cluster: only a unix socket in the temp dir (no TCP port at all), trust
// authentication on it, durability off (a test database).
class Postgres {
 public:
  explicit Postgres(const std::string& dir)
      : data_(dir + "/pgdata"), socket_dir_(dir + "/pgsock"), port_(free_zabbix_port()) {
    std::filesystem::create_directories(socket_dir_);
    ::chmod(socket_dir_.c_str(), 0700);
    give_to_postgres(socket_dir_);
    std::filesystem::create_directories(data_);
    ::chmod(data_.c_str(), 0700);
    give_to_postgres(data_);
    const auto initdb = as_postgres({kPgBin + "/initdb", "-D", data_, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                     "--locale=C.UTF-8", "--no-sync"});
    init_ = run(initdb.front(), {initdb.begin() + 1, initdb.end()}, {}, std::chrono::seconds(60));
    if (init_.exit_code != 0) return;
    daemon_ = std::make_unique<Daemon>(as_postgres({kPgBin + "/postgres", "-D", data_, "-k", socket_dir_, "-p",
                                                    std::to_string(port_), "-c", "listen_addresses=", "-c", "fsync=off",
                                                    "-c", "synchronous_commit=off", "-c", "full_page_writes=off"}),
                                       dir + "/postgres.log", debian_unit_environment());
  }

  [[nodiscard]] bool initialised() const { return init_.exit_code == 0; }
  [[nodiscard]] std::string init_output() const { return init_.out + init_.err; }
  [[nodiscard]] const std::string& socket_dir() const { return socket_dir_; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] bool running() const { return daemon_ && daemon_->running(); }

  // psql on the socket as the superuser, fed by `input_command` (a shell pipe: gzip -dc …),
  // in one transaction unless `one_transaction` is false (CREATE DATABASE).
  [[nodiscard]] RunResult psql(const std::string& database, const std::string& input_command,
                               bool one_transaction = true) const {
    return run("/bin/sh",
               {"-c", input_command + " | /usr/bin/psql -X -q -v ON_ERROR_STOP=1 " +
                          (one_transaction ? "--single-transaction " : "") + "-h " + socket_dir_ + " -p " +
                          std::to_string(port_) + " -U postgres -d " + database},
               {}, std::chrono::seconds(120));
  }

 private:
  std::string data_;
  std::string socket_dir_;
  int port_;
  RunResult init_;
  std::unique_ptr<Daemon> daemon_;
};

// The JSON-RPC API of the frontend (Zabbix 6.0 takes the session in the body's "auth").
class ZabbixApi {
 public:
  explicit ZabbixApi(int port) : url_("http://127.0.0.1:" + std::to_string(port) + "/api_jsonrpc.php") {}

  // The answer's "error" (or a transport failure) as a string, else nullopt; `result` set.
  json call(const std::string& method, const json& params, std::string* error = nullptr) {
    json request{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", ++id_}};
    if (!auth_.empty()) request["auth"] = auth_;
    HttpCall c;
    c.method = "POST";
    c.url = url_;
    c.body = request.dump();
    c.headers = {"Content-Type: application/json-rpc"};
    // Linking the template to a host creates every prototype in one PHP request: minutes
    // on a loaded machine are slow, not broken.
    c.timeout = std::chrono::seconds(400);
    const auto started = std::chrono::steady_clock::now();
    const auto answer = http(c);
    const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    if (took.count() >= 5) std::cerr << "zabbix api " << method << ": " << took.count() << " s\n";
    const auto parsed = json::parse(answer.body, nullptr, false);
    std::string why;
    if (answer.status != 200 || parsed.is_discarded()) {
      why = "HTTP " + std::to_string(answer.status) + " " + answer.error + ": " + answer.body.substr(0, 500);
    } else if (parsed.contains("error")) {
      why = parsed["error"].dump();
    }
    if (error != nullptr) *error = why;
    if (!why.empty()) {
      if (error == nullptr) ADD_FAILURE() << method << ": " << why;
      return nullptr;
    }
    return parsed["result"];
  }

  bool login() {
    std::string error;
    const json token = call("user.login", {{"username", "Admin"}, {"password", "zabbix"}}, &error);
    if (!token.is_string()) return false;
    auth_ = token.get<std::string>();
    return true;
  }

 private:
  std::string url_;
  std::string auth_;
  int id_ = 0;
};

// Debian's frontend reads /etc/zabbix/zabbix.conf.php (a constant of CConfigFile, patched
// by Debian); a private copy of the frontend reads the test's file instead.
std::string private_frontend(const std::string& dir, const Postgres& pg, int server_port) {
  const std::string web = dir + "/web";
  std::filesystem::copy(kFrontend, web, std::filesystem::copy_options::recursive);
  const std::string config_class = web + "/include/classes/core/CConfigFile.php";
  const std::string conf = dir + "/zabbix.conf.php";
  const std::string patched = replace_all(slurp(config_class), "'/etc/zabbix/zabbix.conf.php'", "'" + conf + "'");
  std::filesystem::remove(config_class);
  spit(config_class, patched, 0644);
  spit(conf,
       "<?php\n$DB['TYPE'] = 'POSTGRESQL';\n$DB['SERVER'] = '" + pg.socket_dir() + "';\n$DB['PORT'] = '" +
           std::to_string(pg.port()) +
           "';\n$DB['DATABASE'] = 'zabbix';\n$DB['USER'] = 'postgres';\n$DB['PASSWORD'] = '';\n$DB['SCHEMA'] = '';\n"
           "$DB['ENCRYPTION'] = false;\n$DB['KEY_FILE'] = '';\n$DB['CERT_FILE'] = '';\n$DB['CA_FILE'] = '';\n"
           "$DB['VERIFY_HOST'] = false;\n$DB['CIPHER_LIST'] = '';\n$DB['VAULT_URL'] = '';\n$DB['VAULT_DB_PATH'] = '';\n"
           "$DB['VAULT_TOKEN'] = '';\n$DB['DOUBLE_IEEE754'] = true;\n$ZBX_SERVER = '127.0.0.1';\n$ZBX_SERVER_PORT = '" +
           std::to_string(server_port) +
           "';\n$ZBX_SERVER_NAME = 'cfmon-test';\n$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;\n",
       0600);
  return web;
}

// A server small enough for a test: few processes, a small cache, the configuration
// cache reloaded every 2 s so that new hosts and discovered items are polled at once.
std::string server_config(const std::string& dir, const Postgres& pg, int port) {
  const std::string conf = dir + "/zabbix_server.conf";
  spit(conf, "LogType=file\nLogFile=" + dir + "/server.log\nPidFile=" + dir + "/server.pid\nSocketDir=" + dir +
                 "\nDBHost=" + pg.socket_dir() + "\nDBPort=" + std::to_string(pg.port()) +
                 "\nDBName=zabbix\nDBUser=postgres\nListenIP=127.0.0.1\nListenPort=" + std::to_string(port) +
                 "\nAllowRoot=1\nCacheSize=16M\nCacheUpdateFrequency=2\nStartPollers=2\nStartPollersUnreachable=1\n"
                 "StartTrappers=2\nStartPingers=0\nStartDiscoverers=0\nStartHTTPPollers=0\nStartDBSyncers=1\n"
                 "StartPreprocessors=2\nStartLLDProcessors=1\nStartReportWriters=0\nStartEscalators=1\n"
                 "StartAlerters=1\nStartTimers=1\nTimeout=4\nHousekeepingFrequency=0\n");
  return conf;
}

// The server's view of one host: the triggers in PROBLEM state, each with the key of its
// first item and its severity (0-5), and the open problems (their trigger IDs).
struct Firing {
  std::string key;
  int priority = 0;
  std::string description;
};

std::vector<Firing> firing_triggers(ZabbixApi& api, const std::string& hostid) {
  std::vector<Firing> firing;
  const json triggers = api.call("trigger.get", {{"hostids", hostid},
                                                 {"filter", {{"value", 1}}},
                                                 {"only_true", true},
                                                 {"output", {"triggerid", "description", "priority"}},
                                                 {"expandDescription", true},
                                                 {"selectItems", {"key_"}}});
  if (!triggers.is_array()) return firing;
  for (const auto& t : triggers) {
    firing.push_back({t["items"].empty() ? "" : t["items"][0]["key_"].get<std::string>(),
                      std::stoi(t["priority"].get<std::string>()), t["description"].get<std::string>()});
  }
  return firing;
}

// Severities of the open problems of `hostid` whose trigger's first item key starts with
// `key_prefix` (problem.get reports events: what an operator sees in Monitoring → Problems).
std::multiset<int> problem_severities(ZabbixApi& api, const std::string& hostid, const std::string& key_prefix) {
  std::multiset<int> severities;
  const json triggers =
      api.call("trigger.get", {{"hostids", hostid}, {"output", {"triggerid"}}, {"selectItems", {"key_"}}});
  const json problems =
      api.call("problem.get", {{"hostids", hostid}, {"output", {"objectid", "severity", "name"}}, {"recent", false}});
  if (!triggers.is_array() || !problems.is_array()) return severities;
  std::map<std::string, std::string> key_of;
  for (const auto& t : triggers) {
    if (!t["items"].empty()) key_of[t["triggerid"]] = t["items"][0]["key_"];
  }
  for (const auto& p : problems) {
    if (key_of[p["objectid"]].rfind(key_prefix, 0) == 0) severities.insert(std::stoi(p["severity"].get<std::string>()));
  }
  return severities;
}

std::string dump(const std::vector<Firing>& firing) {
  std::string out;
  for (const auto& f : firing) out += f.key + " sev " + std::to_string(f.priority) + ": " + f.description + "\n";
  return out;
}

constexpr int kWarning = 2;
constexpr int kHigh = 4;

TEST(ZabbixServer, ShippedTemplateRaisesOneProblemPerBadState) {
  const std::string root = server_root();
  CFMON_REQUIRE_TOOL(root + "/usr/sbin/zabbix_server", "zabbix-server-pgsql");
  CFMON_REQUIRE_TOOL(kPgBin + "/initdb", "postgresql-15");
  CFMON_REQUIRE_TOOL(kPhp, "php-cli");
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  if (::access((kFrontend + "/api_jsonrpc.php").c_str(), R_OK) != 0) {
    if (running_in_ci()) FAIL() << "no " << kFrontend << " (Debian package zabbix-frontend-php)";
    GTEST_SKIP() << "no " << kFrontend << " (Debian package zabbix-frontend-php)";
  }
  const auto started = std::chrono::steady_clock::now();
  auto& emu = shared_emulator();
  TempDir dir;
  ::chmod(dir.path().c_str(), 0711);  // the postgres user reaches its own directories only

  Postgres pg(dir.path());
  ASSERT_TRUE(pg.initialised()) << pg.init_output();
  ASSERT_TRUE(wait_until([&] { return pg.psql("postgres", "echo 'select 1;'").exit_code == 0 || !pg.running(); },
                         std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << slurp(dir.path() + "/postgres.log");
  ASSERT_TRUE(pg.running()) << slurp(dir.path() + "/postgres.log");
  const auto create = pg.psql("postgres", "echo \"create database zabbix encoding 'UTF8' template template0;\"", false);
  ASSERT_EQ(create.exit_code, 0) << create.err;
  const std::string sql = root + "/usr/share/zabbix-server-pgsql";
  const auto schema =
      pg.psql("zabbix", "gzip -dc " + sql + "/schema.sql.gz " + sql + "/images.sql.gz " + sql + "/data.sql.gz");
  ASSERT_EQ(schema.exit_code, 0) << schema.err.substr(0, 2000);

  const int server_port = free_zabbix_port();
  Daemon server({root + "/usr/sbin/zabbix_server", "-f", "-c", server_config(dir.path(), pg, server_port)},
                dir.path() + "/server.out", debian_unit_environment());
  const int web_port = free_zabbix_port();
  auto web_env = debian_unit_environment();
  web_env["PHP_CLI_SERVER_WORKERS"] = "2";
  const std::string web = private_frontend(dir.path(), pg, server_port);
  Daemon php({kPhp, "-S", "127.0.0.1:" + std::to_string(web_port), "-t", web}, dir.path() + "/php.log", web_env);

  // Two agents with the shipped UserParameters: one whose apps are OK, WARNING (the
  // origin behind Cloudflare answers 502) and CRITICAL (the token is rejected), and one
  // whose credentials file is gone (the check cannot run).
  AgentTree apps(emu);
  AgentTree no_credentials(emu);
  std::filesystem::remove(no_credentials.env_file);
  Daemon apps_agent({kAgent, "-f", "-c", apps.conf}, apps.dir.path() + "/daemon.log", debian_unit_environment());
  Daemon broken_agent({kAgent, "-f", "-c", no_credentials.conf}, no_credentials.dir.path() + "/daemon.log",
                      debian_unit_environment());

  ZabbixApi api(web_port);
  ASSERT_TRUE(wait_until([&] { return api.login() || !php.running(); }, std::chrono::seconds(30),
                         std::chrono::milliseconds(200)))
      << slurp(dir.path() + "/php.log");

  // Configuration → Templates → Import, with the rules the frontend's import form sets.
  const json create_update{{"createMissing", true}, {"updateExisting", true}};
  const json imported = api.call("configuration.import", {{"format", "yaml"},
                                                          {"source", slurp(kTemplate)},
                                                          {"rules",
                                                           {{"groups", {{"createMissing", true}}},
                                                            {"templates", create_update},
                                                            {"valueMaps", create_update},
                                                            {"items", create_update},
                                                            {"discoveryRules", create_update},
                                                            {"triggers", create_update},
                                                            {"graphs", create_update},
                                                            {"templateDashboards", create_update},
                                                            {"templateLinkage", {{"createMissing", true}}}}}});
  ASSERT_EQ(imported, true);
  const json found = api.call("template.get", {{"filter", {{"host", "Cloudflare Access by cfmon"}}}});
  ASSERT_EQ(found.size(), 1U) << found;
  const std::string templateid = found[0]["templateid"];

  // The dashboard came with it: each widget graphs one item prototype of the template.
  const json dashboards =
      api.call("templatedashboard.get", {{"templateids", templateid}, {"selectPages", "extend"}, {"output", "extend"}});
  ASSERT_EQ(dashboards.size(), 1U) << dashboards;
  EXPECT_EQ(dashboards[0]["name"], "Cloudflare Access");
  const json prototypes =
      api.call("itemprototype.get", {{"templateids", templateid}, {"output", {"itemid", "key_", "value_type"}}});
  std::map<std::string, std::string> prototype_key;  // itemid -> key
  for (const auto& p : prototypes) prototype_key[p["itemid"]] = p["key_"];
  std::set<std::string> graphed;
  for (const auto& page : dashboards[0]["pages"]) {
    for (const auto& widget : page["widgets"]) {
      EXPECT_EQ(widget["type"], "graphprototype") << widget;
      for (const auto& field : widget["fields"]) {
        if (field["name"] == "itemid") graphed.insert(prototype_key[field["value"].get<std::string>()]);
      }
    }
  }
  EXPECT_EQ(graphed, (std::set<std::string>{"cf.access.response_time[{#NAME}]", "cf.tokens.days_left[{#TOKEN_NAME}]",
                                            "cf.logins.logins[{#TOKEN_NAME}]", "cf.logins.failures[{#TOKEN_NAME}]"}));

  const json group = api.call("hostgroup.create", {{"name", "cfmon test"}});
  ASSERT_TRUE(group.is_object());

  // The hosts as an operator adds them: an agent interface, the template linked, and the
  // intervals shortened through the template's macros (minutes and hours in production).
  const auto add_host = [&](const std::string& name, int agent_port) -> std::string {
    const json created =
        api.call("host.create", {{"host", name},
                                 {"groups", {{{"groupid", group["groupids"][0]}}}},
                                 {"interfaces",
                                  {{{"type", 1},
                                    {"main", 1},
                                    {"useip", 1},
                                    {"ip", "127.0.0.1"},
                                    {"dns", ""},
                                    {"port", std::to_string(agent_port)}}}},
                                 {"templates", {{{"templateid", templateid}}}},
                                 {"macros",
                                  {{{"macro", "{$CF.ACCESS.INTERVAL}"}, {"value", "5s"}},
                                   {{"macro", "{$CF.ACCESS.DISCOVERY.INTERVAL}"}, {"value", "5s"}},
                                   {{"macro", "{$CF.ACCESS.NODATA}"}, {"value", "10m"}},
                                   {{"macro", "{$CF.TOKENS.INTERVAL}"}, {"value", "5s"}},
                                   {{"macro", "{$CF.TOKENS.DISCOVERY.INTERVAL}"}, {"value", "5s"}},
                                   {{"macro", "{$CF.TUNNELS.INTERVAL}"}, {"value", "5s"}},
                                   {{"macro", "{$CF.TUNNELS.DISCOVERY.INTERVAL}"}, {"value", "5s"}}}}});
    return created.is_object() ? created["hostids"][0].get<std::string>() : "";
  };
  const std::string apps_host = add_host("cfmon-apps", apps.port);
  const std::string broken_host = add_host("cfmon-no-credentials", no_credentials.port);
  ASSERT_FALSE(apps_host.empty());
  ASSERT_FALSE(broken_host.empty());

  // Discovery, the first values, the triggers: wait for the two bad apps and the broken
  // run to show, then for one more round of values so that nothing is still on its way.
  const auto app_of = [](const std::string& key) {
    const auto open = key.find('[');
    return open == std::string::npos ? std::string() : key.substr(open + 1, key.size() - open - 2);
  };
  // The other checks, table-driven from what each says itself (the agent's own value of
  // its master item): every object's state gives the one problem expected, High for
  // CRITICAL, Warning for WARNING, none for OK.
  // (item key prefix, object name) -> severity, 0: no problem. A trigger's items come back
  // in no particular order (state or message first), so a firing trigger is matched by
  // its family and object, not by one key.
  std::map<std::pair<std::string, std::string>, int> expected;
  for (const auto& [master, prefix] : std::vector<std::pair<std::string, std::string>>{
           {"cf.tokens.all", "cf.tokens."}, {"cf.tunnels.all", "cf.tunnels."}}) {
    const json all = json::parse(passive_get(apps.port, master), nullptr, false);
    ASSERT_TRUE(all.is_array()) << master << ": " << all;
    for (const auto& o : all) {
      const int state = o.at("state");
      ASSERT_NE(state, 3) << master << ": " << o;
      expected[{prefix, o.at("name").get<std::string>()}] = state == 2 ? kHigh : state == 1 ? kWarning : 0;
    }
  }
  ASSERT_TRUE(std::any_of(expected.begin(), expected.end(), [](const auto& e) { return e.second == kHigh; }));
  ASSERT_TRUE(std::any_of(expected.begin(), expected.end(), [](const auto& e) { return e.second == 0; }));

  std::vector<Firing> firing;
  std::vector<Firing> firing_broken;
  const bool raised = wait_until(
      [&] {
        firing = firing_triggers(api, apps_host);
        firing_broken = firing_triggers(api, broken_host);
        std::set<std::string> bad;
        for (const auto& f : firing) {
          if (f.key.rfind("cf.access.", 0) == 0) bad.insert(app_of(f.key));
        }
        bool cannot_run = false;
        for (const auto& f : firing_broken) cannot_run = cannot_run || f.key.rfind("cf.access.", 0) == 0;
        std::set<std::pair<std::string, std::string>> firing_objects;
        for (const auto& f : firing) firing_objects.emplace(f.key.substr(0, f.key.find('.', 3) + 1), app_of(f.key));
        const bool others = std::all_of(expected.begin(), expected.end(), [&](const auto& e) {
          return e.second == 0 || firing_objects.count(e.first) != 0;
        });
        return (bad.count("broken") != 0 && bad.count("rejected") != 0 && cannot_run && others) || !server.running();
      },
      std::chrono::seconds(90), std::chrono::milliseconds(500));
  ASSERT_TRUE(server.running()) << slurp(dir.path() + "/server.log");
  ASSERT_TRUE(raised) << "apps host:\n"
                      << dump(firing) << "no-credentials host:\n"
                      << dump(firing_broken) << slurp(dir.path() + "/server.log");

  // The OK app was judged (its state is 0) and raised nothing.
  const json ok_state = api.call(
      "item.get",
      {{"hostids", apps_host}, {"filter", {{"key_", "cf.access.state[ok]"}}}, {"output", {"lastvalue", "lastclock"}}});
  ASSERT_EQ(ok_state.size(), 1U) << ok_state;
  EXPECT_EQ(ok_state[0]["lastvalue"], "0");
  EXPECT_NE(ok_state[0]["lastclock"], "0");
  // What the dashboard's first widget draws for this host: the discovered apps' response times.
  const json response_times = api.call("item.get", {{"hostids", apps_host},
                                                    {"search", {{"key_", "cf.access.response_time["}}},
                                                    {"output", {"key_", "lastclock", "value_type"}}});
  ASSERT_EQ(response_times.size(), 3U) << response_times;
  for (const auto& item : response_times) {
    EXPECT_EQ(item["value_type"], "0") << item;  // float: numeric, so it can be graphed
    EXPECT_NE(item["lastclock"], "0") << item;
  }

  std::map<std::string, std::multiset<int>> severities_of;  // app -> severities of its firing triggers
  for (const auto& f : firing) {
    if (f.key.rfind("cf.access.", 0) == 0) severities_of[app_of(f.key)].insert(f.priority);
  }
  EXPECT_EQ(severities_of["rejected"], std::multiset<int>{kHigh}) << dump(firing);
  EXPECT_EQ(severities_of["broken"], std::multiset<int>{kWarning}) << dump(firing);
  EXPECT_EQ(severities_of.count("ok"), 0U) << dump(firing);
  for (const auto& [object, severity] : expected) {
    std::multiset<int> got;
    for (const auto& f : firing) {
      if (f.key.rfind(object.first, 0) == 0 && app_of(f.key) == object.second) got.insert(f.priority);
    }
    EXPECT_EQ(got, severity == 0 ? std::multiset<int>{} : std::multiset<int>{severity})
        << object.first << object.second << "\n"
        << dump(firing);
  }
  // And as problems (events), one per fault.
  EXPECT_EQ(problem_severities(api, apps_host, "cf.access."), (std::multiset<int>{kWarning, kHigh}));

  // The host whose check cannot run: one Warning "cannot run", on the run itself (its
  // apps were never discovered: the discovery key needs no credentials, the apps do).
  std::multiset<int> broken_severities;
  for (const auto& f : firing_broken) {
    if (f.key.rfind("cf.access.", 0) == 0) broken_severities.insert(f.priority);
  }
  EXPECT_EQ(broken_severities, std::multiset<int>{kWarning}) << dump(firing_broken);

  // Nothing the server or the frontend logged holds the token's secret.
  const std::string secret = emu.client_secret("monitoring");
  EXPECT_EQ(slurp(dir.path() + "/server.log").find(secret), std::string::npos);
  EXPECT_EQ(slurp(dir.path() + "/php.log").find(secret), std::string::npos);

  apps_agent.stop();
  broken_agent.stop();
  php.stop();
  server.stop();
  EXPECT_FALSE(server.running());
  std::cerr << "zabbix server test: "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count()
            << " s\n";
}

}  // namespace
}  // namespace cfmon::testing
