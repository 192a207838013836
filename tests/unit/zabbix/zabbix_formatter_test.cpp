#include "zabbix_formatter.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "../support/golden.hpp"
#include "../support/sample_reports.hpp"
#include "support/examples.hpp"

namespace cfmon::zabbix {
namespace {

using namespace cfmon::testing;
using nlohmann::json;

json parse(const FormattedOutput& out) {
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.text.back(), '\n');
  EXPECT_EQ(out.text.find('\n'), out.text.size() - 1) << "one line";
  return json::parse(out.text);  // throws (fails the test) on invalid JSON or UTF-8
}

void expect_case(const std::string& name, const Report& report) {
  const auto out = format(report);
  const json doc = parse(out);
  if (report.root.children.size() > 1) {
    ASSERT_TRUE(doc.is_array());
    EXPECT_EQ(doc.size(), report.root.children.size());
  } else {
    EXPECT_TRUE(doc.is_object());
  }
  expect_golden("zabbix", name, out.text);
}

// Each shared sample report against its golden file.
class ZabbixGolden : public ::testing::TestWithParam<SampleReport> {};

TEST_P(ZabbixGolden, MatchesTheGoldenFile) {
  const SampleReport& sample = GetParam();
  expect_case(sample.name, sample.make());
}

INSTANTIATE_TEST_SUITE_P(Samples, ZabbixGolden, ::testing::ValuesIn(sample_reports()), sample_name);

TEST(ZabbixFormatter, ObjectShapeForOneTarget) {
  const json doc = parse(format(single_ok_report()));
  EXPECT_EQ(doc, json::parse(R"({"name":"app1","state":0,"state_text":"OK","result":"token_accepted",
      "message":"HTTP 200 in 0.123s","time":0.123456789,"http_response_code":200,"token_accepted":true})"));
  // result_code is not in Zabbix: the object has the reason itself.
  EXPECT_FALSE(doc.contains("result_code"));
  EXPECT_FALSE(doc.contains("response_time"));
}

TEST(ZabbixFormatter, ExitCodeIsAlwaysZero) {
  EXPECT_EQ(format(unknown_root_report()).exit_code, 0);
  EXPECT_EQ(format(mixed_report()).exit_code, 0);
}

TEST(ZabbixFormatter, FieldsNeverOverwriteFixedKeys) {
  Report report = single_ok_report();
  report.root.children[0].add(field_metric("state"), std::int64_t{9});
  report.root.children[0].add(field_metric("x", "message"), std::string("m"));
  const json doc = parse(format(report));
  EXPECT_EQ(doc.at("state"), 0);
  EXPECT_EQ(doc.at("message"), "HTTP 200 in 0.123s");
}

TEST(ZabbixFormatter, InvalidUtf8AndNonFinite) {
  const json nasty = parse(format(nasty_report()));
  EXPECT_EQ(nasty.at(6).at("message"), "zoë says \xEF\xBF\xBD invalid");
  EXPECT_EQ(nasty.at(1).at("field.key"), -7);
  EXPECT_EQ(nasty.at(1).at("body"), "<h1>\"Bad\"\\ Gateway</h1>\nline 2");
  const json u = parse(format(u_values_report()));
  EXPECT_TRUE(u.at("response_time").is_null());
}

TEST(ZabbixDiscovery, Golden) {
  const auto out = format_discovery({{{"NAME", "wiki"}, {"url", "https://wiki.example.com/"}},
                                     {{"name", "a \"quoted\" ünï"}, {"{#URL}", "https://x.example.com/?a=1&b=2"}},
                                     {}});
  const json doc = parse(out);
  ASSERT_TRUE(doc.is_array());
  EXPECT_EQ(doc.at(1).at("{#NAME}"), "a \"quoted\" ünï");
  EXPECT_EQ(doc.at(1).at("{#URL}"), "https://x.example.com/?a=1&b=2");
  EXPECT_TRUE(doc.at(2).is_object());
  expect_golden("zabbix", "discovery", out.text);
}

TEST(ZabbixDiscovery, MacroNames) {
  cfmon::testing::expect_examples(
      [](const std::string& s) { return discovery_macro(s); },
      {{"name", "{#NAME}"}, {"{#URL}", "{#URL}"}, {"app-url v2.x", "{#APP_URL_V2.X}"}, {"", ""}, {"{#}", ""}});
  const std::regex valid(R"(\{#[A-Z0-9_.]+\})");
  for (const char* name : {"a", "ü", "{#x", "x}", "#", "{", "a b\nc"}) {
    EXPECT_TRUE(std::regex_match(discovery_macro(name), valid)) << name;
  }
}

TEST(ZabbixDiscovery, EmptyAndDuplicateMacros) {
  EXPECT_EQ(format_discovery({}).text, "[]\n");
  EXPECT_EQ(format_discovery({{{"", "x"}, {"name", "a"}, {"NAME", "b"}}}).text, "[{\"{#NAME}\":\"a\"}]\n");
}

}  // namespace
}  // namespace cfmon::zabbix
