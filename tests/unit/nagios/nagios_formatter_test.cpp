#include "nagios_formatter.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "../support/golden.hpp"
#include "../support/sample_reports.hpp"
#include "support/perfdata_parse.hpp"

namespace cfmon::nagios {
namespace {

using namespace cfmon::testing;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// Checks the plugin contract on any output; returns the perfdata labels.
std::vector<std::string> check_contract(const FormattedOutput& out) {
  EXPECT_LE(out.text.size(), kMaxOutputBytes);
  EXPECT_FALSE(out.text.empty());
  EXPECT_EQ(out.text.back(), '\n');
  const auto lines = split_lines(out.text);
  const auto bar = lines.at(0).find(" | ");
  const std::string status = lines[0].substr(0, bar);
  EXPECT_EQ(status.find('|'), std::string::npos) << status;
  for (std::size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(lines[i].find('|'), std::string::npos);
  std::vector<std::string> labels;
  if (bar == std::string::npos) return labels;
  static const std::regex item(R"(^('[^'=|]+'|[^' =|]+)=(U|-?[0-9]+(\.[0-9]+)?[A-Za-z%]*)(;[^; ]*){0,4}$)");
  for (const auto& p : split_perfdata(lines[0].substr(bar + 3))) {
    EXPECT_TRUE(std::regex_match(p, item)) << p;
    labels.push_back(p.substr(0, p.find('=')));
  }
  EXPECT_EQ(std::set<std::string>(labels.begin(), labels.end()).size(), labels.size()) << "labels not unique";
  return labels;
}

void expect_case(const std::string& name, const Report& report, int exit_code) {
  const auto out = format(report);
  EXPECT_EQ(out.exit_code, exit_code);
  check_contract(out);
  expect_golden("nagios", name, out.text);
}

// Each shared sample report against its golden file.
class NagiosGolden : public ::testing::TestWithParam<SampleReport> {};

TEST_P(NagiosGolden, MatchesTheGoldenFile) {
  const SampleReport& sample = GetParam();
  expect_case(sample.name, sample.make(), sample.exit_code);
}

INSTANTIATE_TEST_SUITE_P(Samples, NagiosGolden, ::testing::ValuesIn(sample_reports()), sample_name);

TEST(NagiosFormatter, TruncatesAt8KB) {
  expect_case("truncated", many_targets_report(120), 2);
}

TEST(NagiosFormatter, LongOutputIsWorstFirstThenInputOrder) {
  const auto lines = split_lines(format(mixed_report()).text);
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_EQ(lines[1].rfind("[CRITICAL] grafana:", 0), 0U);
  EXPECT_EQ(lines[2].rfind("[WARNING] ci:", 0), 0U);
  EXPECT_EQ(lines[3].rfind("[UNKNOWN] jira:", 0), 0U);
  EXPECT_EQ(lines[4].rfind("[OK] wiki:", 0), 0U);
}

TEST(NagiosFormatter, PrefixesPerfdataOnlyWithSeveralTargets) {
  auto labels = check_contract(format(single_ok_report()));
  EXPECT_EQ(labels, (std::vector<std::string>{"time", "size"}));
  labels = check_contract(format(mixed_report()));
  EXPECT_EQ(labels.front(), "wiki_time");
  EXPECT_EQ(labels.back(), "ci_size");
}

TEST(NagiosFormatter, CollidingLabelsGetASuffix) {
  const auto labels = check_contract(format(nasty_report()));
  EXPECT_NE(std::find(labels.begin(), labels.end(), "pipename_time"), labels.end());
  EXPECT_NE(std::find(labels.begin(), labels.end(), "pipename_time_2"), labels.end());
}

TEST(NagiosFormatter, TruncationKeepsProblemsAndCountsTheRest) {
  for (int count : {100, 120, 200, 400}) {
    const auto out = format(many_targets_report(count));
    check_contract(out);
    const auto lines = split_lines(out.text);
    EXPECT_EQ(lines[0].rfind("CF-ACCESS CRITICAL - " + std::to_string(count) + " apps: 2 critical", 0), 0U);
    EXPECT_EQ(lines[1].rfind("[CRITICAL] application-number-7:", 0), 0U) << count;
    EXPECT_EQ(lines[2].rfind("[CRITICAL] application-number-" + std::to_string(count - 3) + ":", 0), 0U);
    const std::size_t shown = lines.size() - 2;  // minus first line and the "more" line
    EXPECT_EQ(lines.back(),
              "\u2026 " + std::to_string(static_cast<std::size_t>(count) - shown) + " more targets not shown");
    EXPECT_GE(shown, 2U);
  }
}

TEST(NagiosFormatter, FitsWithoutTruncationWhenSmall) {
  const auto out = format(many_targets_report(10));
  EXPECT_EQ(out.text.find("not shown"), std::string::npos);
  EXPECT_EQ(split_lines(out.text).size(), 11U);
}

TEST(NagiosFormatter, HugeSingleMessageIsCutAtUtf8Boundary) {
  Report report = single_ok_report();
  std::string big;
  while (big.size() < 20000) big += "ü|\n";
  report.root.children[0].message = big;
  const auto out = format(report);
  check_contract(out);
  EXPECT_EQ(split_lines(out.text).size(), 1U);
  EXPECT_EQ(out.text.find(" | "), std::string::npos) << "perfdata goes before the status text";
  const std::string tail = "\u2026\n";
  EXPECT_EQ(out.text.compare(out.text.size() - tail.size(), tail.size(), tail), 0);
  // No broken UTF-8 sequence before the ellipsis: "ü" is c3 bc.
  const auto before = static_cast<unsigned char>(out.text[out.text.size() - tail.size() - 1]);
  EXPECT_NE(before, 0xC3);
}

TEST(NagiosFormatter, SummaryWhenTheCheckGaveNone) {
  Report report = mixed_report();
  report.root.message.clear();
  const auto lines = split_lines(format(report).text);
  EXPECT_EQ(lines[0].substr(0, lines[0].find(" | ")),
            "CF-ACCESS CRITICAL - 4 targets: 1 critical, 1 warning, 1 unknown, 1 ok");
}

TEST(NagiosFormatter, NoPerfdataNoBar) {
  Report report = unknown_root_report();
  report.label.clear();
  EXPECT_EQ(format(report).text, "UNKNOWN - missing CF_ACCESS_CLIENT_ID (set it in the environment or --env-file)\n");
}

TEST(NagiosSanitizeText, ReplacesPipeAndControls) {
  EXPECT_EQ(sanitize_text("a|b\nc\r\td\x7f"), "a/b c  d ");
  EXPECT_EQ(sanitize_text("ünïcødé ✓"), "ünïcødé ✓");
}

}  // namespace
}  // namespace cfmon::nagios
