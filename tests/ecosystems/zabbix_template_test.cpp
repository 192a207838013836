// The shipped Zabbix template (zabbix/template/*.yaml) against the rules of the 6.0 export
// format that an import enforces: structure, enumerations, UUIDv4s (unique, and derived
// from stable names so they survive re-exports), references between items, triggers,
// value maps and macros, and the fields the dependent items extract from the real output.
// (No Zabbix server import here: it needs PostgreSQL and the server, ~30 s of schema load.)
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "harness.hpp"

namespace cfmon::testing {
namespace {

const std::string kTemplateFile = source_dir() + "/zabbix/template/cfmon_cloudflare_access.yaml";
// Zabbix's own UUID for its built-in group: the import matches the existing group with it.
const std::string kTemplatesApplicationsUuid = "a571c0d144b14fd4a87a9d9b2aa9fcd6";

// zabbix/template/derive-uuid.sh, in C++: md5 of the stable name shaped as a UUIDv4.
std::string derive_uuid(const std::string& stable_name) {
  std::string h = md5_hex(stable_name);
  h[12] = '4';
  static const char* const variant = "89ab";
  const int nibble = std::stoi(h.substr(16, 1), nullptr, 16);
  h[16] = variant[nibble & 3];
  return h;
}

std::string str(const YAML::Node& node, const std::string& key, const std::string& fallback = "") {
  return node[key] ? node[key].as<std::string>() : fallback;
}

class ZabbixTemplate : public ::testing::Test {
 protected:
  YAML::Node root = YAML::LoadFile(kTemplateFile);
  YAML::Node export_ = root["zabbix_export"];

  // Every template of the file with `fn`.
  void each_template(const std::function<void(const YAML::Node&)>& fn) {
    ASSERT_TRUE(export_["templates"].IsSequence());
    for (const auto& t : export_["templates"]) fn(t);
  }
};

TEST_F(ZabbixTemplate, IsA60ExportWithGroupsAndTemplates) {
  ASSERT_TRUE(export_.IsMap());
  EXPECT_EQ(str(export_, "version"), "6.0");
  ASSERT_TRUE(export_["groups"].IsSequence());
  std::set<std::string> groups;
  for (const auto& g : export_["groups"]) {
    EXPECT_TRUE(g["uuid"] && g["name"]);
    groups.insert(str(g, "name"));
  }
  each_template([&](const YAML::Node& t) {
    EXPECT_FALSE(str(t, "template").empty());
    EXPECT_FALSE(str(t, "name").empty());
    ASSERT_TRUE(t["groups"].IsSequence());
    for (const auto& g : t["groups"]) EXPECT_TRUE(groups.count(str(g, "name"))) << str(g, "name");
    for (const char* key : {"items", "discovery_rules", "macros", "valuemaps"}) {
      if (t[key]) {
        EXPECT_TRUE(t[key].IsSequence()) << key;
      }
    }
  });
}

TEST_F(ZabbixTemplate, UuidsAreUniqueV4AndDerivedFromStableNames) {
  std::set<std::string> seen;
  std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& n) {
    if (n.IsMap()) {
      if (n["uuid"]) {
        const std::string uuid = str(n, "uuid");
        EXPECT_TRUE(std::regex_match(uuid, std::regex("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}"))) << uuid;
        EXPECT_TRUE(seen.insert(uuid).second) << "duplicate uuid " << uuid;
      }
      for (const auto& kv : n) walk(kv.second);
    } else if (n.IsSequence()) {
      for (const auto& item : n) walk(item);
    }
  };
  walk(root);
  EXPECT_GE(seen.size(), 15U);

  for (const auto& g : export_["groups"]) {
    if (str(g, "name") == "Templates/Applications") {
      EXPECT_EQ(str(g, "uuid"), kTemplatesApplicationsUuid);
    } else {
      EXPECT_EQ(str(g, "uuid"), derive_uuid("group/" + str(g, "name")));
    }
  }
  each_template([&](const YAML::Node& t) {
    const std::string name = str(t, "template");
    const auto expect = [&](const YAML::Node& n, const std::string& stable) {
      EXPECT_EQ(str(n, "uuid"), derive_uuid(stable)) << "uuid of '" << stable << "' (zabbix/template/derive-uuid.sh)";
    };
    expect(t, "template/" + name);
    for (const auto& i : t["items"]) {
      expect(i, "item/" + name + "/" + str(i, "key"));
      for (const auto& tr : i["triggers"]) expect(tr, "trigger/" + name + "/" + str(tr, "name"));
    }
    for (const auto& v : t["valuemaps"]) expect(v, "valuemap/" + name + "/" + str(v, "name"));
    for (const auto& d : t["discovery_rules"]) {
      expect(d, "discovery/" + name + "/" + str(d, "key"));
      for (const auto& p : d["item_prototypes"]) {
        expect(p, "item_prototype/" + name + "/" + str(p, "key"));
        for (const auto& tr : p["trigger_prototypes"]) expect(tr, "trigger_prototype/" + name + "/" + str(tr, "name"));
      }
      for (const auto& tr : d["trigger_prototypes"]) expect(tr, "trigger_prototype/" + name + "/" + str(tr, "name"));
    }
  });
}

const std::set<std::string> kItemTypes{"ZABBIX_PASSIVE", "ZABBIX_ACTIVE", "EXTERNAL",
                                       "DEPENDENT",      "CALCULATED",    "TRAP"};
const std::set<std::string> kValueTypes{"FLOAT", "CHAR", "LOG", "UNSIGNED", "TEXT"};
const std::set<std::string> kPriorities{"NOT_CLASSIFIED", "INFO", "WARNING", "AVERAGE", "HIGH", "DISASTER"};
const std::set<std::string> kPreprocessing{
    "JSONPATH", "JAVASCRIPT", "DISCARD_UNCHANGED",  "DISCARD_UNCHANGED_HEARTBEAT", "BOOL_TO_DECIMAL", "MULTIPLIER",
    "REGEX",    "TRIM",       "CHECK_NOT_SUPPORTED"};

// Items and prototypes: enumerations, value maps, master items, macros.
TEST_F(ZabbixTemplate, ItemsUseKnownEnumerationsAndResolvableReferences) {
  each_template([&](const YAML::Node& t) {
    std::set<std::string> valuemaps, macros, keys;
    for (const auto& v : t["valuemaps"]) {
      valuemaps.insert(str(v, "name"));
      std::set<std::string> values;
      for (const auto& m : v["mappings"]) EXPECT_TRUE(values.insert(str(m, "value")).second) << str(v, "name");
    }
    for (const auto& m : t["macros"]) macros.insert(str(m, "macro"));
    for (const auto& i : t["items"]) keys.insert(str(i, "key"));

    std::vector<YAML::Node> all_items;
    for (const auto& i : t["items"]) all_items.push_back(i);
    for (const auto& d : t["discovery_rules"]) {
      EXPECT_TRUE(kItemTypes.count(str(d, "type", "ZABBIX_PASSIVE"))) << str(d, "key");
      for (const auto& p : d["item_prototypes"]) {
        EXPECT_NE(str(p, "key").find("{#"), std::string::npos)
            << "prototype key without an LLD macro: " << str(p, "key");
        all_items.push_back(p);
      }
    }
    for (const auto& i : all_items) {
      const std::string key = str(i, "key");
      SCOPED_TRACE(key);
      EXPECT_FALSE(str(i, "name").empty());
      EXPECT_TRUE(kItemTypes.count(str(i, "type", "ZABBIX_PASSIVE")));
      EXPECT_TRUE(kValueTypes.count(str(i, "value_type", "UNSIGNED")));
      if (i["valuemap"]) {
        EXPECT_TRUE(valuemaps.count(str(i["valuemap"], "name")));
      }
      if (str(i, "type") == "DEPENDENT") {
        ASSERT_TRUE(i["master_item"]);
        EXPECT_TRUE(keys.count(str(i["master_item"], "key"))) << str(i["master_item"], "key");
        EXPECT_EQ(str(i, "delay", "0"), "0");
      }
      for (const auto& step : i["preprocessing"]) {
        EXPECT_TRUE(kPreprocessing.count(str(step, "type"))) << str(step, "type");
        ASSERT_TRUE(step["parameters"].IsSequence());
        if (step["error_handler"]) {
          EXPECT_TRUE((
              std::set<std::string>{"DISCARD_VALUE", "CUSTOM_VALUE", "CUSTOM_ERROR"}.count(str(step, "error_handler"))))
              << str(step, "error_handler");
        }
      }
      const std::string delay = str(i, "delay");
      if (delay.rfind("{$", 0) == 0) {
        EXPECT_TRUE(macros.count(delay)) << delay;
      }
    }
  });
}

// Triggers: priorities, every item reference resolves to this template's keys, prototypes
// reference prototypes, dependencies name existing triggers, macros are defined.
TEST_F(ZabbixTemplate, TriggersReferenceExistingItemsAndMacros) {
  each_template([&](const YAML::Node& t) {
    const std::string name = str(t, "template");
    std::set<std::string> item_keys, prototype_keys, macros;
    for (const auto& i : t["items"]) item_keys.insert(str(i, "key"));
    for (const auto& m : t["macros"]) macros.insert(str(m, "macro"));
    std::vector<std::pair<YAML::Node, bool>> triggers;  // (trigger, is prototype)
    for (const auto& i : t["items"]) {
      for (const auto& tr : i["triggers"]) triggers.emplace_back(tr, false);
    }
    for (const auto& d : t["discovery_rules"]) {
      for (const auto& p : d["item_prototypes"]) {
        prototype_keys.insert(str(p, "key"));
        for (const auto& tr : p["trigger_prototypes"]) triggers.emplace_back(tr, true);
      }
      for (const auto& tr : d["trigger_prototypes"]) triggers.emplace_back(tr, true);
    }
    ASSERT_FALSE(triggers.empty());
    std::set<std::pair<std::string, std::string>> defined;
    for (const auto& [tr, prototype] : triggers) defined.emplace(str(tr, "name"), str(tr, "expression"));

    const std::regex reference(R"(/([^/]+)/([^,)]+)[,)])");
    const std::regex macro(R"(\{\$[A-Z0-9_.]+\})");
    for (const auto& [tr, prototype] : triggers) {
      const std::string expression = str(tr, "expression");
      SCOPED_TRACE(str(tr, "name"));
      EXPECT_TRUE(kPriorities.count(str(tr, "priority", "NOT_CLASSIFIED")));
      int references = 0;
      bool uses_prototype = false;
      for (auto it = std::sregex_iterator(expression.begin(), expression.end(), reference);
           it != std::sregex_iterator(); ++it) {
        ++references;
        EXPECT_EQ((*it)[1], name) << expression;
        const std::string key = (*it)[2];
        EXPECT_TRUE(item_keys.count(key) || (prototype && prototype_keys.count(key))) << key;
        uses_prototype = uses_prototype || prototype_keys.count(key) != 0;
      }
      EXPECT_GT(references, 0) << expression;
      EXPECT_EQ(uses_prototype, prototype) << "a trigger prototype must use an item prototype, a trigger must not";
      for (auto it = std::sregex_iterator(expression.begin(), expression.end(), macro); it != std::sregex_iterator();
           ++it) {
        EXPECT_TRUE(macros.count((*it)[0])) << (*it)[0];
      }
      for (const auto& dep : tr["dependencies"]) {
        EXPECT_TRUE(defined.count({str(dep, "name"), str(dep, "expression")})) << str(dep, "name");
      }
    }
  });
}

TEST_F(ZabbixTemplate, AlertsOnRejectedAndExpiringTokensAndDownOrigins) {
  std::map<std::string, std::set<std::string>> priorities_of;  // what an expression tests -> priorities
  std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& n) {
    if (n.IsMap()) {
      if (n["expression"] && n["priority"]) {
        for (const char* what :
             {"token_rejected", "login_redirect", "origin_down", "tunnel_down", "token_expired", "token_disabled",
              "token_missing", "cf.tokens.days_left", "cf.logins.outside_logins"}) {
          if (str(n, "expression").find(what) != std::string::npos) priorities_of[what].insert(str(n, "priority"));
        }
      }
      for (const auto& kv : n) walk(kv.second);
    } else if (n.IsSequence()) {
      for (const auto& item : n) walk(item);
    }
  };
  walk(root);
  using Set = std::set<std::string>;
  EXPECT_EQ(priorities_of["token_rejected"], Set{"HIGH"});
  EXPECT_EQ(priorities_of["login_redirect"], Set{"HIGH"});
  EXPECT_EQ(priorities_of["origin_down"], Set{"AVERAGE"});
  EXPECT_EQ(priorities_of["tunnel_down"], Set{"AVERAGE"});
  EXPECT_EQ(priorities_of["token_expired"], Set{"HIGH"});
  EXPECT_EQ(priorities_of["token_missing"], Set{"HIGH"});
  EXPECT_EQ(priorities_of["cf.tokens.days_left"], (Set{"WARNING", "HIGH"}));  // expiring: soon, very soon
  EXPECT_EQ(priorities_of["cf.logins.outside_logins"], Set{"HIGH"});
}

// The Access configuration triggers are derived from check_cf_access_apps's state, not from a
// list of reason codes (a new reason keeps its state's severity): CRITICAL -> High,
// WARNING -> Warning depending on the High one (one fault, one problem); both show the message.
TEST_F(ZabbixTemplate, AppTriggersFollowTheCheckState) {
  each_template([&](const YAML::Node& t) {
    const std::string name = str(t, "template");
    const std::string state = "last(/" + name + "/cf.apps.state[{#APP_NAME}])";
    const std::string message = "/" + name + "/cf.apps.message[{#APP_NAME}]";
    for (const auto& d : t["discovery_rules"]) {
      if (str(d, "key") != "cf.apps.discovery") continue;
      std::map<std::string, YAML::Node> by_priority;
      for (const auto& tr : d["trigger_prototypes"])
        by_priority.emplace(str(tr, "priority"), static_cast<const YAML::Node&>(tr));
      for (const auto& p : d["item_prototypes"]) {
        for (const auto& tr : p["trigger_prototypes"])
          by_priority.emplace(str(tr, "priority"), static_cast<const YAML::Node&>(tr));
        EXPECT_NE(str(p, "key").rfind("cf.apps.", 0), std::string::npos) << str(p, "key");
      }
      ASSERT_EQ(by_priority.size(), 2U);
      const YAML::Node high = by_priority["HIGH"];
      const YAML::Node warning = by_priority["WARNING"];
      ASSERT_TRUE(high && warning);
      EXPECT_EQ(str(high, "expression").rfind(state + "=2 and ", 0), 0U) << str(high, "expression");
      EXPECT_EQ(str(warning, "expression").rfind(state + "=1 and ", 0), 0U) << str(warning, "expression");
      EXPECT_EQ(str(high, "name"), "{#APP_NAME}: Access configuration CRITICAL");
      for (const auto& tr : {high, warning}) {
        EXPECT_EQ(str(tr, "expression").find("cf.apps.result"), std::string::npos) << "a state, not reasons";
        // {ITEM.LASTVALUE2} is the message: the second item of the expression.
        const std::string expression = str(tr, "expression");
        const auto first = expression.find("/" + name + "/");
        const auto second = expression.find("/" + name + "/", first + 1);
        ASSERT_NE(second, std::string::npos) << expression;
        EXPECT_EQ(expression.compare(second, message.size(), message), 0) << expression;
        EXPECT_NE(str(tr, "event_name").find("{ITEM.LASTVALUE2}"), std::string::npos);
        EXPECT_EQ(str(tr, "opdata"), "{ITEM.LASTVALUE2}");
      }
      ASSERT_EQ(warning["dependencies"].size(), 1U);
      EXPECT_EQ(str(warning["dependencies"][0], "name"), str(high, "name"));
      EXPECT_EQ(str(warning["dependencies"][0], "expression"), str(high, "expression"));
    }
    // The run itself: UNKNOWN objects or no value at all.
    bool cannot_run = false;
    for (const auto& i : t["items"]) {
      for (const auto& tr : i["triggers"]) {
        const std::string expression = str(tr, "expression");
        if (expression.find("/cf.apps.unknown)>0") != std::string::npos) {
          cannot_run = true;
          EXPECT_NE(expression.find("nodata(/" + name + "/cf.apps.unknown,"), std::string::npos) << expression;
          EXPECT_EQ(str(i["master_item"], "key"), "cf.apps.all");
        }
      }
    }
    EXPECT_TRUE(cannot_run) << "no trigger for a cf.apps.all run that fails";
  });
}

// The agent keys the template polls exist in the shipped UserParameter files.
TEST_F(ZabbixTemplate, AgentKeysAreShippedUserParameters) {
  const std::string conf = slurp(source_dir() + "/zabbix/userparameter_cf_access.conf") +
                           slurp(source_dir() + "/zabbix/userparameter_cf_service_tokens.conf") +
                           slurp(source_dir() + "/zabbix/userparameter_cf_access_logins.conf") +
                           slurp(source_dir() + "/zabbix/userparameter_cf_tunnels.conf") +
                           slurp(source_dir() + "/zabbix/userparameter_cf_access_apps.conf");
  const auto has_key = [&](const std::string& key) {
    return conf.find("\nUserParameter=" + key + ",") != std::string::npos;
  };
  each_template([&](const YAML::Node& t) {
    for (const auto& i : t["items"]) {
      if (str(i, "type", "ZABBIX_PASSIVE") == "ZABBIX_PASSIVE") {
        EXPECT_TRUE(has_key(str(i, "key"))) << str(i, "key");
      }
    }
    for (const auto& d : t["discovery_rules"]) {
      if (str(d, "type", "ZABBIX_PASSIVE") == "ZABBIX_PASSIVE") {
        EXPECT_TRUE(has_key(str(d, "key"))) << str(d, "key");
      }
    }
  });
}

// Each dependent item's JSONPath picks its app or token by its LLD macro and a field the
// check prints (checked against real output of both checks on the emulator).
TEST_F(ZabbixTemplate, DependentItemsExtractFieldsTheChecksPrint) {
  auto& emu = shared_emulator();
  TempDir dir;
  auto args = emu.connection_args("ok");
  for (const std::string& a : std::vector<std::string>{
           "--targets-file", dir.write("targets", "ok " + emu.url("ok") + "\n"), "--format", "zabbix"}) {
    args.push_back(a);
  }
  const auto app = run(CFMON_CHECK_CF_ACCESS, args,
                       {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
                        {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}});
  const auto app_value = nlohmann::json::parse(app.out);
  ASSERT_TRUE(app_value.is_object()) << app.out;  // one app: an object, which the master item's JavaScript wraps

  // A used token: every field, idle_days included (the access check above used it).
  auto api_check = [&emu](const char* program) {
    auto api_args = emu.api_args();
    api_args.insert(api_args.end(), {"--name", "monitoring", "--format", "zabbix"});
    return run(program, api_args, emu.api_env());
  };
  const auto tokens = api_check(CFMON_CHECK_CF_SERVICE_TOKENS);
  const auto token_value = nlohmann::json::parse(tokens.out);
  ASSERT_TRUE(token_value.is_object()) << tokens.out;
  ASSERT_EQ(token_value.at("name"), "monitoring") << tokens.out;
  const auto logins = api_check(CFMON_CHECK_CF_ACCESS_LOGINS);
  const auto login_value = nlohmann::json::parse(logins.out);
  ASSERT_TRUE(login_value.is_object()) << logins.out;
  ASSERT_EQ(login_value.at("name"), "monitoring") << logins.out;
  auto tunnel_args = emu.api_args();
  tunnel_args.insert(tunnel_args.end(), {"--name", "prod-web", "--format", "zabbix"});
  const auto tunnels = run(CFMON_CHECK_CF_TUNNELS, tunnel_args, emu.api_env());
  const auto tunnel_value = nlohmann::json::parse(tunnels.out);
  ASSERT_TRUE(tunnel_value.is_object()) << tunnels.out;
  ASSERT_EQ(tunnel_value.at("name"), "prod-web") << tunnels.out;
  // The Access applications as the agent keys run the check: every application (cf.apps.all)
  // and their discovery (cf.apps.discovery); each discovered {#APP_NAME} must find exactly one
  // object of the run, or its dependent items get nothing.
  const auto apps_check = [&emu](std::vector<std::string> extra) {
    auto apps_args = emu.api_args();
    apps_args.insert(apps_args.end(), {"--client-id", emu.client_id("monitoring"), "--format", "zabbix"});
    apps_args.insert(apps_args.end(), extra.begin(), extra.end());
    return run(CFMON_CHECK_CF_ACCESS_APPS, apps_args, emu.api_env());
  };
  const auto apps_all = apps_check({});
  const auto apps_value = nlohmann::json::parse(apps_all.out);
  ASSERT_TRUE(apps_value.is_array()) << apps_all.out;
  const auto apps_lld = nlohmann::json::parse(apps_check({"--discover"}).out);
  ASSERT_TRUE(apps_lld.is_array());
  ASSERT_GE(apps_lld.size(), 3U) << apps_lld.dump();
  for (const auto& entry : apps_lld) {
    const std::string app_name = entry.at("{#APP_NAME}");
    EXPECT_EQ(std::count_if(apps_value.begin(), apps_value.end(),
                            [&](const nlohmann::json& o) { return o.value("name", "") == app_name; }),
              1)
        << app_name << " in " << apps_all.out;
  }
  std::map<int, int> apps_states;
  nlohmann::json ok_app;
  for (const auto& o : apps_value) {
    ++apps_states[o.at("state").get<int>()];
    if (o.at("name") == "ok") ok_app = o;
  }
  ASSERT_TRUE(ok_app.is_object()) << apps_all.out;
  EXPECT_EQ(ok_app.at("result"), "token_allowed");
  EXPECT_EQ(apps_states[3], 0) << "cf.apps.unknown would raise 'check cannot run': " << apps_all.out;
  EXPECT_GT(apps_states[2], 0) << apps_all.out;  // bypass-everyone, allow-only: the High trigger
  EXPECT_GT(apps_states[1], 0) << apps_all.out;  // echo, allow-everyone: the Warning trigger

  // The JSON each master item holds (for cf.apps.all, the object of one application).
  const std::map<std::string, const nlohmann::json*> output_of{{"cf.access.all", &app_value},
                                                               {"cf.tokens.all", &token_value},
                                                               {"cf.logins.all", &login_value},
                                                               {"cf.tunnels.all", &tunnel_value},
                                                               {"cf.apps.all", &ok_app}};

  const std::regex path(
      R"(\$\[\?\(@\.name == '\{#(NAME|TOKEN_NAME|TUNNEL_NAME|APP_NAME)\}'\)\]\.([a-z_]+)\.first\(\))");
  std::map<std::string, int> checked;
  each_template([&](const YAML::Node& t) {
    for (const auto& d : t["discovery_rules"]) {
      for (const auto& p : d["item_prototypes"]) {
        if (str(p, "type") != "DEPENDENT") continue;
        SCOPED_TRACE(str(p, "key"));
        EXPECT_EQ(str(p["preprocessing"][0], "type"), "JSONPATH");
        std::smatch m;
        const std::string expression = p["preprocessing"][0]["parameters"][0].as<std::string>();
        ASSERT_TRUE(std::regex_match(expression, m, path)) << expression;
        const std::string master = str(p["master_item"], "key");
        ASSERT_EQ(output_of.count(master), 1U) << master;
        const auto& value = *output_of.at(master);
        const std::string field = m[2];
        EXPECT_TRUE(value.contains(field)) << field << " is not in " << value.dump();
        const std::string value_type = str(p, "value_type", "UNSIGNED");
        if (value_type == "UNSIGNED" && field != "token_accepted") {
          EXPECT_TRUE(value.at(field).is_number_integer()) << field;
        }
        if (value_type == "FLOAT") {
          EXPECT_TRUE(value.at(field).is_number()) << field;
        }
        ++checked[master];
      }
    }
  });
  EXPECT_GE(checked["cf.access.all"], 5);
  EXPECT_GE(checked["cf.tokens.all"], 4);
  EXPECT_GE(checked["cf.logins.all"], 4);
  EXPECT_GE(checked["cf.tunnels.all"], 5);
  EXPECT_EQ(checked["cf.apps.all"], 6);  // state, result, message, policies, service_auth_policies, aud
}

// A JavaScript preprocessing step as Zabbix runs it: the body of `function (value) {...}`
// given the value, its result as a string. Node.js stands in for Zabbix's Duktape (ES5:
// the template's steps use nothing newer).
const std::string kNode = "/usr/bin/node";
std::string run_javascript_step(const std::string& body, const std::string& value) {
  TempDir dir;
  const std::string input = dir.write("value", value);
  const std::string script = dir.write("step.js",
                                       "const value = require('fs').readFileSync(process.argv[2], 'utf8');\n"
                                       "process.stdout.write(String((function (value) {\n" +
                                           body + "\n})(value)));\n");
  const auto r = run(kNode, {script, input});
  if (r.exit_code != 0) ADD_FAILURE() << body << "\n" << r.err;
  return r.out;
}

// The JavaScript steps of an item of the template, by key.
std::vector<std::string> javascript_steps(const YAML::Node& root, const std::string& key) {
  std::vector<std::string> steps;
  for (const auto& t : root["zabbix_export"]["templates"]) {
    for (const auto& i : t["items"]) {
      if (str(i, "key") != key) continue;
      for (const auto& step : i["preprocessing"]) {
        if (str(step, "type") == "JAVASCRIPT") steps.push_back(step["parameters"][0].as<std::string>());
      }
    }
  }
  return steps;
}

// cf.apps.unknown through both JavaScript steps (the master item's, then its own) on real
// output: 0 when every application was judged, above 0 (the "check cannot run" trigger)
// when the API refused the run, whose output is then one object.
TEST_F(ZabbixTemplate, AppsRunThatCannotJudgeRaisesItsTrigger) {
  CFMON_REQUIRE_TOOL(kNode, "nodejs");
  const auto master = javascript_steps(root, "cf.apps.all");
  const auto unknown = javascript_steps(root, "cf.apps.unknown");
  ASSERT_EQ(master.size(), 1U);
  ASSERT_EQ(unknown.size(), 1U);
  auto& emu = shared_emulator();
  const auto apps_all = [&emu](const std::map<std::string, std::string>& env) {
    auto args = emu.api_args();
    args.insert(args.end(), {"--client-id", emu.client_id("monitoring"), "--format", "zabbix"});
    const auto r = run(CFMON_CHECK_CF_ACCESS_APPS, args, env);
    return r.out.substr(0, r.out.find_last_not_of(" \t\r\n") + 1);  // the agent trims the value
  };
  const std::string judged = apps_all(emu.api_env());
  EXPECT_EQ(run_javascript_step(unknown[0], run_javascript_step(master[0], judged)), "0") << judged;

  auto refused_env = emu.api_env();
  refused_env["CF_API_TOKEN"] = "not-a-token-of-the-account";
  const std::string refused = apps_all(refused_env);
  ASSERT_TRUE(nlohmann::json::parse(refused).is_object()) << refused;
  EXPECT_EQ(nlohmann::json::parse(refused).at("state"), 3) << refused;
  const std::string wrapped = run_javascript_step(master[0], refused);
  EXPECT_TRUE(nlohmann::json::parse(wrapped).is_array()) << wrapped;
  EXPECT_EQ(run_javascript_step(unknown[0], wrapped), "1") << refused;
}

}  // namespace
}  // namespace cfmon::testing
