#include "cfmon/metric.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "cfmon/result.hpp"

namespace cfmon {
namespace {

const Metric kBoth{.field = "response_time", .perf_label = "time", .unit = Unit::seconds, .min = 0.0};
const Metric kLast{.field = "content_length", .perf_label = "size", .unit = Unit::bytes, .perf_rank = 1};
const Metric kFieldOnly{.field = "http_response_code", .zabbix_key = "http_status"};
const Metric kPerfOnly{.perf_label = "errors", .unit = Unit::counter};
const Metric kNotInZabbix{.field = "internal", .in_zabbix = false};

Range range_of(std::string text) {
  Range r;
  r.text = std::move(text);
  return r;
}

TEST(Metric, OneMeasurementGivesPerfdataAndFieldWithTheirOwnNames) {
  Result r;
  r.add(kBoth, 0.25, range_of("1"), range_of("2"));
  const auto perf = perfdata_of(r);
  ASSERT_EQ(perf.size(), 1U);
  EXPECT_EQ(perf[0].label, "time");
  EXPECT_EQ(perf[0].value, 0.25);
  EXPECT_EQ(perf[0].uom, "s");
  EXPECT_EQ(perf[0].warn->text, "1");
  EXPECT_EQ(perf[0].crit->text, "2");
  EXPECT_EQ(perf[0].min, 0.0);
  EXPECT_FALSE(perf[0].max);
  const auto fields = fields_of(r);
  ASSERT_EQ(fields.size(), 1U);
  EXPECT_EQ(fields[0].key, "response_time");
  EXPECT_EQ(std::get<double>(fields[0].value), 0.25);
  EXPECT_EQ(fields[0].zabbix_key, "response_time") << "the field name unless the metric names another";
}

TEST(Metric, FieldsKeepTheOrderOfAddPerfdataItsRank) {
  Result r;
  r.add(kFieldOnly, std::int64_t{200});
  r.add(kLast, std::int64_t{5120});
  r.add(kBoth, 0.5);
  r.add(kPerfOnly, std::int64_t{3});
  r.add(kNotInZabbix, true);
  std::vector<std::string> labels;
  for (const auto& d : perfdata_of(r)) labels.push_back(d.label + "=" + std::to_string(*d.value) + d.uom);
  EXPECT_EQ(labels, (std::vector<std::string>{"time=0.500000s", "errors=3.000000c", "size=5120.000000B"}));
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& f : fields_of(r)) keys.emplace_back(f.key, f.zabbix_key);
  EXPECT_EQ(keys, (std::vector<std::pair<std::string, std::string>>{{"http_response_code", "http_status"},
                                                                    {"content_length", "content_length"},
                                                                    {"response_time", "response_time"},
                                                                    {"internal", ""}}));
}

TEST(Metric, AnUnmeasuredValueIsUInPerfdataAndNoField) {
  Result r;
  r.add(kBoth);
  r.add(kFieldOnly, std::string("text"));
  ASSERT_EQ(perfdata_of(r).size(), 1U);
  EXPECT_FALSE(perfdata_of(r)[0].value);
  ASSERT_EQ(fields_of(r).size(), 1U);
  EXPECT_EQ(fields_of(r)[0].key, "http_response_code");
  // A NaN is a value: perfdata prints it as U, JSON and Zabbix as null, line protocol skips it.
  Result nan;
  nan.add(kBoth, std::nan(""));
  EXPECT_TRUE(std::isnan(*perfdata_of(nan)[0].value));
  EXPECT_EQ(fields_of(nan).size(), 1U);
}

TEST(Metric, ResultCodeIsDerivedFromTheReason) {
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"token_accepted", 0}, {"app_redirect", 0},   {"timeout", 4},      {"dns_error", 5},      {"connect_error", 3},
      {"tls_error", 3},      {"protocol_error", 3}, {"config_error", 3}, {"login_redirect", 6}, {"origin_down", 6}};
  for (const auto& [reason, code] : cases) {
    Result r;
    r.reason = reason;
    r.add(kResultCodeMetric);
    const auto fields = fields_of(r);
    ASSERT_EQ(fields.size(), 1U);
    EXPECT_EQ(fields[0].key, "result_code");
    EXPECT_EQ(std::get<std::int64_t>(fields[0].value), code) << reason;
    EXPECT_EQ(fields[0].zabbix_key, "") << "Zabbix has the reason itself";
    EXPECT_TRUE(perfdata_of(r).empty());
  }
}

TEST(Metric, ALeafTagsItsReasonAsResult) {
  Result leaf;
  leaf.reason = "token_accepted";
  leaf.tags = {{"server", "a"}, {"result", "stale"}, {"method", "GET"}};
  EXPECT_EQ(tags_of(leaf), (std::vector<std::pair<std::string, std::string>>{
                               {"server", "a"}, {"method", "GET"}, {"result", "token_accepted"}}));
  Result root;
  root.reason = "summary";
  root.children.push_back(leaf);
  EXPECT_TRUE(tags_of(root).empty()) << "only points (leaves) carry the result tag";
  Result no_reason;
  no_reason.tags = {{"result", "own"}};
  EXPECT_EQ(tags_of(no_reason), no_reason.tags);
}

TEST(Metric, UnitSymbols) {
  EXPECT_EQ(unit_symbol(Unit::none), "");
  EXPECT_EQ(unit_symbol(Unit::seconds), "s");
  EXPECT_EQ(unit_symbol(Unit::bytes), "B");
  EXPECT_EQ(unit_symbol(Unit::percent), "%");
  EXPECT_EQ(unit_symbol(Unit::counter), "c");
}

}  // namespace
}  // namespace cfmon
