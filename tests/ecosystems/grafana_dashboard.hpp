#pragma once
// The structure of a shipped Grafana dashboard (telegraf/ and prometheus/
// grafana-dashboard.json): what Dashboards -> Import needs to bind it to the user's data source.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace cfmon::testing {

// One datasource input of `plugin`, a schemaVersion of Grafana 9/10, and panels that each
// have a unique id, a title, targets, and a datasource (theirs and their targets') that is
// the input.
inline void expect_importable_dashboard(const nlohmann::json& dashboard, const std::string& plugin) {
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_FALSE(dashboard.value("title", "").empty());
  EXPECT_FALSE(dashboard.value("uid", "").empty());
  const int schema = dashboard.value("schemaVersion", 0);
  EXPECT_GE(schema, 36) << "Grafana 9";
  EXPECT_LE(schema, 39) << "Grafana 10";
  ASSERT_EQ(dashboard.at("__inputs").size(), 1U);
  const auto& input = dashboard.at("__inputs").at(0);
  EXPECT_EQ(input.at("type"), "datasource");
  EXPECT_EQ(input.at("pluginId"), plugin);
  const std::string uid = "${" + input.at("name").get<std::string>() + "}";
  const auto points_to_input = [&](const nlohmann::json& ds) {
    return ds.is_object() && ds.value("type", "") == plugin && ds.value("uid", "") == uid;
  };
  std::set<int> ids;
  ASSERT_FALSE(dashboard.at("panels").empty());
  for (const auto& panel : dashboard.at("panels")) {
    SCOPED_TRACE(panel.dump());
    EXPECT_FALSE(panel.value("title", "").empty());
    ASSERT_TRUE(panel.contains("id") && panel.at("id").is_number_integer());
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
    EXPECT_TRUE(points_to_input(panel.value("datasource", nlohmann::json{})));
    ASSERT_FALSE(panel.value("targets", nlohmann::json::array()).empty());
    for (const auto& target : panel.at("targets")) {
      EXPECT_TRUE(points_to_input(target.value("datasource", nlohmann::json{}))) << target.dump();
    }
  }
}

}  // namespace cfmon::testing
