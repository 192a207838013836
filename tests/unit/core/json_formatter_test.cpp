#include "cfmon/json_formatter.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "../support/golden.hpp"
#include "../support/sample_reports.hpp"

namespace cfmon {
namespace {

using namespace cfmon::testing;
using nlohmann::json;

json parse(const FormattedOutput& out) {
  EXPECT_EQ(out.text.back(), '\n');
  return json::parse(out.text);  // throws (fails the test) on invalid JSON or UTF-8
}

void expect_case(const std::string& name, const Report& report, int exit_code) {
  const auto out = format_json(report);
  EXPECT_EQ(out.exit_code, exit_code);
  const json doc = parse(out);
  EXPECT_EQ(doc.at("label"), report.label);
  EXPECT_EQ(doc.at("state"), static_cast<int>(report.root.state));
  EXPECT_EQ(doc.at("children").size(), report.root.children.size());
  expect_golden("json", name, out.text);
}

// Each shared sample report against its golden file.
class JsonGolden : public ::testing::TestWithParam<SampleReport> {};

TEST_P(JsonGolden, MatchesTheGoldenFile) {
  const SampleReport& sample = GetParam();
  expect_case(sample.name, sample.make(), sample.exit_code);
}

INSTANTIATE_TEST_SUITE_P(Samples, JsonGolden, ::testing::ValuesIn(sample_reports()), sample_name);

TEST(JsonFormatter, KeysInDocumentedOrder) {
  const json doc = parse(format_json(single_ok_report()));
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it) keys.push_back(it.key());
  // nlohmann::json sorts keys when parsing, so compare the text order instead.
  const std::string text = format_json(single_ok_report()).text;
  std::size_t pos = 0;
  for (const char* key : {"\"label\"", "\"name\"", "\"state\"", "\"state_text\"", "\"reason\"", "\"message\"",
                          "\"perfdata\"", "\"tags\"", "\"fields\"", "\"children\""}) {
    const auto found = text.find(key, pos);
    ASSERT_NE(found, std::string::npos) << key;
    pos = found;
  }
  EXPECT_EQ(keys.size(), 10U);
}

TEST(JsonFormatter, RoundTripsValuesAndTypes) {
  const Report report = nasty_report();
  const json doc = parse(format_json(report));
  const json& c1 = doc.at("children").at(1);
  EXPECT_EQ(c1.at("name"), "a,b=c");
  EXPECT_EQ(c1.at("state_text"), "CRITICAL");
  EXPECT_EQ(c1.at("reason"), "origin_down");
  EXPECT_EQ(c1.at("message"), "HTTP 502\r\nBad Gateway");
  EXPECT_EQ(c1.at("fields").at("body"), "<h1>\"Bad\"\\ Gateway</h1>\nline 2");
  EXPECT_TRUE(c1.at("fields").at("http_response_code").is_number_integer());
  EXPECT_TRUE(c1.at("fields").at("response_time").is_number_float());
  EXPECT_TRUE(c1.at("fields").at("token_accepted").is_boolean());
  EXPECT_EQ(c1.at("perfdata").at(0).at("warn"), "1");
  EXPECT_TRUE(c1.at("perfdata").at(0).at("max").is_null());
  EXPECT_EQ(c1.at("tags").at("result"), "origin_down");
}

TEST(JsonFormatter, InvalidUtf8BecomesReplacementCharacter) {
  const json doc = parse(format_json(nasty_report()));
  EXPECT_EQ(doc.at("children").at(6).at("message"), "zoë says \xEF\xBF\xBD invalid");
}

TEST(JsonFormatter, NonFiniteNumbersAreNull) {
  const json doc = parse(format_json(u_values_report()));
  EXPECT_TRUE(doc.at("perfdata").at(0).at("value").is_null());
  EXPECT_TRUE(doc.at("perfdata").at(1).at("value").is_null());
  EXPECT_TRUE(doc.at("perfdata").at(1).at("max").is_null());
  EXPECT_TRUE(doc.at("fields").at("response_time").is_null());
}

}  // namespace
}  // namespace cfmon
