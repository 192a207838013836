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
    for (const auto& db : t["dashboards"]) expect(db, "dashboard/" + name + "/" + str(db, "name"));
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

// Every check's per-object triggers follow its state, not a list of reason codes, so every
// non-OK state raises a problem of its severity, and exactly one (a new reason keeps its
// state's severity): CRITICAL -> High, WARNING -> Warning depending on the High one; both
// show the message. And each run has a "cannot run" trigger on its UNKNOWN count and on
// silence (nodata).
struct StateFamily {
  const char* discovery;  // the discovery rule holding the per-object items
  const char* state;      // the state item prototype
  const char* message;    // the message item prototype
  const char* master;     // the master item of the run
};
const std::vector<StateFamily> kStateFamilies{
    {"cf.access.discovery", "cf.access.state[{#NAME}]", "cf.access.message[{#NAME}]", "cf.access.all"},
    {"cf.tokens.discovery", "cf.tokens.state[{#TOKEN_NAME}]", "cf.tokens.message[{#TOKEN_NAME}]", "cf.tokens.all"},
    {"cf.tokens.discovery", "cf.logins.state[{#TOKEN_NAME}]", "cf.logins.message[{#TOKEN_NAME}]", "cf.logins.all"},
    {"cf.tunnels.discovery", "cf.tunnels.state[{#TUNNEL_NAME}]", "cf.tunnels.message[{#TUNNEL_NAME}]",
     "cf.tunnels.all"},
    {"cf.apps.discovery", "cf.apps.state[{#APP_NAME}]", "cf.apps.message[{#APP_NAME}]", "cf.apps.all"},
};

TEST_F(ZabbixTemplate, EveryCheckStateRaisesOneProblemOfItsSeverity) {
  each_template([&](const YAML::Node& t) {
    const std::string name = str(t, "template");
    // Every trigger and prototype of the template, and no reason list anywhere.
    std::vector<YAML::Node> all;
    for (const auto& i : t["items"]) {
      for (const auto& tr : i["triggers"]) all.push_back(tr);
    }
    for (const auto& d : t["discovery_rules"]) {
      for (const auto& p : d["item_prototypes"]) {
        for (const auto& tr : p["trigger_prototypes"]) all.push_back(tr);
      }
      for (const auto& tr : d["trigger_prototypes"]) all.push_back(tr);
    }
    for (const auto& tr : all) {
      EXPECT_EQ(str(tr, "expression").find(".result["), std::string::npos)
          << str(tr, "name") << ": a state, not reasons";
    }
    for (const auto& family : kStateFamilies) {
      SCOPED_TRACE(family.state);
      const std::string state = "last(/" + name + "/" + family.state + ")";
      const std::string message = "/" + name + "/" + family.message;
      std::map<int, std::vector<YAML::Node>> by_state;  // 0-3 -> triggers testing that state
      for (const auto& tr : all) {
        const std::string expression = str(tr, "expression");
        for (int s = 0; s <= 3; ++s) {
          if (expression.find(state + "=" + std::to_string(s)) != std::string::npos) by_state[s].push_back(tr);
        }
      }
      ASSERT_EQ(by_state[2].size(), 1U) << "one trigger for CRITICAL";
      ASSERT_EQ(by_state[1].size(), 1U) << "one trigger for WARNING";
      EXPECT_TRUE(by_state[0].empty() && by_state[3].empty()) << "UNKNOWN is the run's trigger";
      const YAML::Node high = by_state[2][0];
      const YAML::Node warning = by_state[1][0];
      EXPECT_EQ(str(high, "priority"), "HIGH");
      EXPECT_EQ(str(warning, "priority"), "WARNING");
      EXPECT_EQ(str(high, "expression").rfind(state + "=2 and ", 0), 0U) << str(high, "expression");
      EXPECT_EQ(str(warning, "expression").rfind(state + "=1 and ", 0), 0U) << str(warning, "expression");
      for (const auto& tr : {high, warning}) {
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
      // Both live in the discovery rule of their items.
      bool in_rule = false;
      for (const auto& d : t["discovery_rules"]) {
        if (str(d, "key") != family.discovery) continue;
        for (const auto& p : d["item_prototypes"]) in_rule = in_rule || str(p, "key") == family.state;
      }
      EXPECT_TRUE(in_rule) << family.discovery;

      // The run itself: a count of its UNKNOWN objects, a Warning when above 0 or silent.
      const std::string unknown =
          std::string(family.master).replace(std::string(family.master).size() - 4, 4, ".unknown");
      int cannot_run = 0;
      for (const auto& i : t["items"]) {
        if (str(i, "key") != unknown) continue;
        EXPECT_EQ(str(i["master_item"], "key"), family.master);
        for (const auto& tr : i["triggers"]) {
          const std::string expression = str(tr, "expression");
          EXPECT_EQ(
              expression.rfind("last(/" + name + "/" + unknown + ")>0 or nodata(/" + name + "/" + unknown + ",", 0), 0U)
              << expression;
          EXPECT_EQ(str(tr, "priority"), "WARNING");
          ++cannot_run;
        }
      }
      EXPECT_EQ(cannot_run, 1) << "no trigger for a " << family.master << " run that fails or stays silent";
    }
  });
}

// The dashboard graphs numeric item prototypes of this template (simple graph prototypes):
// response time per app, days left per token, logins and failures per token.
TEST_F(ZabbixTemplate, DashboardGraphsNumericItemPrototypesOfTheTemplate) {
  each_template([&](const YAML::Node& t) {
    const std::string name = str(t, "template");
    std::map<std::string, std::string> value_type_of;  // item prototype key -> value type
    for (const auto& d : t["discovery_rules"]) {
      for (const auto& p : d["item_prototypes"]) value_type_of[str(p, "key")] = str(p, "value_type", "UNSIGNED");
    }
    ASSERT_EQ(t["dashboards"].size(), 1U);
    std::set<std::string> graphed;
    for (const auto& page : t["dashboards"][0]["pages"]) {
      for (const auto& widget : page["widgets"]) {
        EXPECT_EQ(str(widget, "type"), "GRAPH_PROTOTYPE");
        std::map<std::string, YAML::Node> fields;
        for (const auto& f : widget["fields"]) fields.emplace(str(f, "name"), static_cast<const YAML::Node&>(f));
        ASSERT_TRUE(fields.count("source_type") && fields.count("itemid")) << str(widget, "name");
        EXPECT_EQ(str(fields["source_type"], "value"), "3") << "a simple graph prototype";
        EXPECT_EQ(str(fields["itemid"], "type"), "ITEM_PROTOTYPE");
        EXPECT_EQ(str(fields["itemid"]["value"], "host"), name);
        const std::string key = str(fields["itemid"]["value"], "key");
        ASSERT_TRUE(value_type_of.count(key)) << key << " is no item prototype of the template";
        EXPECT_TRUE(value_type_of[key] == "FLOAT" || value_type_of[key] == "UNSIGNED") << key;
        graphed.insert(key);
      }
    }
    EXPECT_EQ(graphed, (std::set<std::string>{"cf.access.response_time[{#NAME}]", "cf.tokens.days_left[{#TOKEN_NAME}]",
                                              "cf.logins.logins[{#TOKEN_NAME}]", "cf.logins.failures[{#TOKEN_NAME}]"}));
  });
}

// "Slow" fires after 15 minutes of slow answers, not on the first one (the value from 15
// minutes ago must be slow too), and not on top of the app's own WARNING or CRITICAL.
TEST_F(ZabbixTemplate, SlowMeansSlowForFifteenMinutesAndIsQuietWhenTheAppIsDown) {
  each_template([&](const YAML::Node& t) {
    const std::string name = str(t, "template");
    int slow = 0;
    for (const auto& d : t["discovery_rules"]) {
      for (const auto& p : d["item_prototypes"]) {
        if (str(p, "key") != "cf.access.response_time[{#NAME}]") continue;
        for (const auto& tr : p["trigger_prototypes"]) {
          ++slow;
          const std::string rt = "/" + name + "/cf.access.response_time[{#NAME}]";
          EXPECT_NE(str(tr, "expression").find("min(" + rt + ",15m)>"), std::string::npos);
          EXPECT_NE(str(tr, "expression").find(" and last(" + rt + ",#1:now-15m)>"), std::string::npos);
          std::set<std::string> deps;
          for (const auto& dep : tr["dependencies"]) deps.insert(str(dep, "name"));
          EXPECT_EQ(deps, (std::set<std::string>{"App {#NAME}: CRITICAL", "App {#NAME}: WARNING"}));
        }
      }
    }
    EXPECT_EQ(slow, 1);
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

// Each run's UNKNOWN count through both JavaScript steps (the master item's, then its own)
// on real output: 0 when every object was judged, 1 (the "check cannot run" trigger) when
// the check cannot run: the API refuses its token, or check_cf_access has no credentials.
// Its output is then one object, which the master's step wraps.
TEST_F(ZabbixTemplate, RunsThatCannotJudgeRaiseTheirTrigger) {
  CFMON_REQUIRE_TOOL(kNode, "nodejs");
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string targets = dir.write("targets", "ok " + emu.url("ok") + "\nbroken " + emu.url("origin-502") + "\n");
  const auto trimmed = [](const RunResult& r) {
    return r.out.substr(0, r.out.find_last_not_of(" \t\r\n") + 1);  // the agent trims the value
  };
  // The master item's output with working (true) or broken (false) credentials.
  const auto api_run = [&](const char* program, std::vector<std::string> extra) {
    return [&, program, extra](bool working) {
      auto args = emu.api_args();
      args.insert(args.end(), extra.begin(), extra.end());
      args.insert(args.end(), {"--format", "zabbix"});
      auto env = emu.api_env();
      if (!working) env["CF_API_TOKEN"] = "not-a-token-of-the-account";
      return trimmed(run(program, args, env));
    };
  };
  const std::map<std::string, std::function<std::string(bool)>> runs{
      {"cf.access.all",
       [&](bool working) {
         auto args = emu.connection_args("ok");
         args.insert(args.end(), {"--resolve", "origin-502.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1",
                                  "--targets-file", targets, "--format", "zabbix"});
         std::map<std::string, std::string> env;
         if (working) {
           env = {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
                  {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}};
         }
         return trimmed(run(CFMON_CHECK_CF_ACCESS, args, env));
       }},
      {"cf.tokens.all", api_run(CFMON_CHECK_CF_SERVICE_TOKENS, {})},
      {"cf.logins.all", api_run(CFMON_CHECK_CF_ACCESS_LOGINS, {})},
      {"cf.tunnels.all", api_run(CFMON_CHECK_CF_TUNNELS, {})},
      {"cf.apps.all", api_run(CFMON_CHECK_CF_ACCESS_APPS, {"--client-id", emu.client_id("monitoring")})},
  };
  for (const auto& [master_key, output] : runs) {
    SCOPED_TRACE(master_key);
    const std::string unknown_key = master_key.substr(0, master_key.size() - 4) + ".unknown";
    const auto master = javascript_steps(root, master_key);
    const auto unknown = javascript_steps(root, unknown_key);
    ASSERT_EQ(master.size(), 1U);
    ASSERT_EQ(unknown.size(), 1U);
    const std::string judged = output(true);
    EXPECT_EQ(run_javascript_step(unknown[0], run_javascript_step(master[0], judged)), "0") << judged;
    const std::string refused = output(false);
    ASSERT_TRUE(nlohmann::json::parse(refused).is_object()) << refused;
    EXPECT_EQ(nlohmann::json::parse(refused).at("state"), 3) << refused;
    const std::string wrapped = run_javascript_step(master[0], refused);
    EXPECT_TRUE(nlohmann::json::parse(wrapped).is_array()) << wrapped;
    EXPECT_EQ(run_javascript_step(unknown[0], wrapped), "1") << refused;
  }
}

}  // namespace
}  // namespace cfmon::testing
