#include "prometheus_formatter.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../support/golden.hpp"
#include "../support/sample_reports.hpp"
#include "access_check.hpp"
#include "logins_check.hpp"
#include "tokens_check.hpp"

namespace cfmon::prometheus {
namespace {

using namespace cfmon::testing;

// What a scraper reads from the text: the families in order, each with its HELP, TYPE and
// samples ("{labels} value" as written). Fails the test on any line out of place.
struct ReadFamily {
  std::string help;
  std::string type;
  std::vector<std::string> samples;
};

const std::regex kSampleLine(
    R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-z]+="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-z]+="(?:[^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+-]+)$)");

std::vector<std::pair<std::string, ReadFamily>> read_families(const std::string& text) {
  std::vector<std::pair<std::string, ReadFamily>> families;
  std::set<std::string> names;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(names.insert(name).second) << "a second HELP for " << name;
      families.emplace_back(name, ReadFamily{line.substr(8 + name.size()), {}, {}});
    } else if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_FALSE(families.empty()) << line;
      if (families.empty()) continue;
      EXPECT_EQ(line, "# TYPE " + families.back().first + " gauge") << "TYPE right after the HELP";
      EXPECT_TRUE(families.back().second.type.empty() && families.back().second.samples.empty()) << line;
      families.back().second.type = "gauge";
    } else if (std::regex_match(line, m, kSampleLine)) {
      EXPECT_FALSE(families.empty()) << line;
      if (families.empty()) continue;
      EXPECT_EQ(m[1].str(), families.back().first) << "a sample outside its family: " << line;
      EXPECT_EQ(families.back().second.type, "gauge") << line;
      families.back().second.samples.push_back(m[2].str() + " " + m[3].str());
    } else {
      ADD_FAILURE() << "not a line of the text format: '" << line << "'";
    }
  }
  return families;
}

void expect_case(const std::string& name, const Report& report) {
  const auto out = format(report);
  EXPECT_EQ(out.exit_code, 0);
  const auto families = read_families(out.text);
  for (const auto& [family, read] : families) {
    EXPECT_FALSE(read.samples.empty()) << family << " has a header and no sample";
    const std::set<std::string> distinct(read.samples.begin(), read.samples.end());
    EXPECT_EQ(distinct.size(), read.samples.size()) << family << " repeats a sample";
  }
  expect_golden("prometheus", name, out.text);
}

// Each shared sample report against its golden file.
class PrometheusGolden : public ::testing::TestWithParam<SampleReport> {};

TEST_P(PrometheusGolden, MatchesTheGoldenFile) {
  const SampleReport& sample = GetParam();
  expect_case(sample.name, sample.make());
}

INSTANTIATE_TEST_SUITE_P(Samples, PrometheusGolden, ::testing::ValuesIn(sample_reports()), sample_name);

std::map<std::string, ReadFamily> by_name(const std::string& text) {
  std::map<std::string, ReadFamily> out;
  for (auto& [name, family] : read_families(text)) out.emplace(name, std::move(family));
  return out;
}

TEST(Prometheus, OneStatePerTargetWithItsReasonAndUpWhenTheCheckRan) {
  const auto families = by_name(format(mixed_report()).text);
  ASSERT_TRUE(families.count("cfmon_up"));
  EXPECT_EQ(families.at("cfmon_up").samples, (std::vector<std::string>{R"({check="cf_access"} 1)"}));
  ASSERT_TRUE(families.count("cfmon_state"));
  EXPECT_EQ(families.at("cfmon_state").samples,
            (std::vector<std::string>{R"({check="cf_access",target="wiki",reason="token_accepted"} 0)",
                                      R"({check="cf_access",target="grafana",reason="login_redirect"} 2)",
                                      R"({check="cf_access",target="jira",reason="timeout"} 3)",
                                      R"({check="cf_access",target="ci",reason="slow"} 1)"}));
}

TEST(Prometheus, ACheckThatCouldNotRunIsDownAndUnknownWithItsReason) {
  const auto families = by_name(format(unknown_root_report()).text);
  EXPECT_EQ(families.at("cfmon_up").samples, (std::vector<std::string>{R"({check="cf_access"} 0)"}));
  EXPECT_EQ(families.at("cfmon_state").samples,
            (std::vector<std::string>{R"({check="cf_access",reason="config_error"} 3)"}));
  EXPECT_EQ(families.size(), 2U) << "nothing was measured";
}

TEST(Prometheus, UnitsBecomeSuffixesAndBooleansNumbers) {
  const auto families = by_name(format(single_ok_report()).text);
  ASSERT_TRUE(families.count("cfmon_response_time_seconds"));
  EXPECT_EQ(families.at("cfmon_response_time_seconds").samples,
            (std::vector<std::string>{R"({check="cf_access",target="app1"} 0.123456789)"}));
  ASSERT_TRUE(families.count("cfmon_token_accepted"));
  EXPECT_EQ(families.at("cfmon_token_accepted").samples,
            (std::vector<std::string>{R"({check="cf_access",target="app1"} 1)"}));
  EXPECT_EQ(families.at("cfmon_result_code").samples,
            (std::vector<std::string>{R"({check="cf_access",target="app1"} 0)"}));
  EXPECT_FALSE(families.count("cfmon_size")) << "perfdata without a field is not exported";
}

TEST(Prometheus, DaysAreWrittenInSeconds) {
  Report report = base_report();
  report.measurement = "cf_service_token";
  Result token;
  token.name = "ci";
  token.state = State::warning;
  token.reason = "expires_soon";
  const Metric days{.field = "days_left", .unit = Unit::days, .prometheus = "token_expires_in_seconds"};
  const Metric idle{.field = "idle_days", .unit = Unit::days};
  token.add(days, 1.5);
  token.add(idle, std::int64_t{2});
  token.add(field_metric("client_id"), std::string("abc.access"));
  report.root.children.push_back(token);
  report.root.aggregate_from_children();
  const auto families = by_name(format(report).text);
  EXPECT_EQ(families.at("cfmon_token_expires_in_seconds").samples,
            (std::vector<std::string>{R"({check="cf_service_token",target="ci"} 129600)"}));
  EXPECT_EQ(families.at("cfmon_idle_seconds").samples,
            (std::vector<std::string>{R"({check="cf_service_token",target="ci"} 172800)"}));
  EXPECT_FALSE(families.count("cfmon_client_id")) << "strings are not samples";
}

TEST(Prometheus, LabelValuesAndHelpAreEscaped) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_label_value("tab\there"), "tab\there") << "only the three are escaped";
  EXPECT_EQ(escape_help("a\\b\"c\nd"), R"(a\\b"c\nd)");
  EXPECT_EQ(escape_label_value("zo\xc3\xab \xff!"), "zo\xc3\xab \xef\xbf\xbd!") << "invalid UTF-8 is replaced";
  const auto families = by_name(format(nasty_report()).text);
  const auto& states = families.at("cfmon_state").samples;
  EXPECT_NE(std::find(states.begin(), states.end(), R"({check="cf_access",target="new\nline",reason="tls_error"} 2)"),
            states.end());
  EXPECT_NE(
      std::find(states.begin(), states.end(), R"({check="cf_access",target="back\\slash\\",reason="dns_error"} 3)"),
      states.end());
  EXPECT_NE(std::find(states.begin(), states.end(), R"({check="cf_access",target="quote's \"dq\"",reason="slow"} 1)"),
            states.end());
}

TEST(Prometheus, RepeatedTargetsAndReservedNamesGiveNoSecondSample) {
  Report report = single_ok_report();
  report.root.children.push_back(report.root.children.front());
  report.root.children.back().state = State::critical;
  report.root.children.front().add(field_metric("state"), std::int64_t{7});
  report.root.children.front().add(field_metric("up"), std::int64_t{7});
  const auto families = by_name(format(report).text);
  EXPECT_EQ(families.at("cfmon_state").samples,
            (std::vector<std::string>{R"({check="cf_access",target="app1",reason="token_accepted"} 0)"}));
  EXPECT_EQ(families.at("cfmon_up").samples, (std::vector<std::string>{R"({check="cf_access"} 1)"}));
  EXPECT_EQ(families.at("cfmon_response_time_seconds").samples.size(), 1U);
}

// promtool's lint (promlint) refuses a unit other than the base one anywhere in a name, and
// a unit word not at the end; every metric of every check must pass it.
TEST(Prometheus, EveryMetricOfTheChecksHasAValidNameWithItsUnitLast) {
  const std::regex valid("^cfmon_[a-z][a-z0-9_]*[a-z0-9]$");
  const std::set<std::string> non_base{"minutes",   "hours",   "days",  "weeks", "milliseconds", "ms",     "kilobytes",
                                       "megabytes", "percent", "total", "count", "sum",          "bucket", "info"};
  std::map<std::string, std::string> help_of_name;
  for (const auto* metrics : {&access::app_metrics(), &tokens::token_metrics(), &logins::login_metrics()}) {
    for (const Metric& metric : *metrics) {
      const std::string name = metric_name(metric);
      SCOPED_TRACE(metric.field + " -> " + name);
      ASSERT_FALSE(name.empty()) << "every metric of a check has a field";
      EXPECT_TRUE(std::regex_match(name, valid));
      EXPECT_NE(name, "cfmon_up");
      EXPECT_NE(name, "cfmon_state");
      std::vector<std::string> words;
      std::istringstream parts(name);
      for (std::string w; std::getline(parts, w, '_');) words.push_back(w);
      for (std::size_t i = 0; i < words.size(); ++i) {
        EXPECT_FALSE(non_base.count(words[i])) << "'" << words[i] << "' in a name";
        if (words[i] == "seconds" || words[i] == "bytes") {
          EXPECT_EQ(i + 1, words.size()) << "the unit goes last";
        }
      }
      const bool in_seconds = metric.unit == Unit::seconds || metric.unit == Unit::days;
      EXPECT_EQ(words.back() == "seconds", in_seconds);
      EXPECT_EQ(words.back() == "bytes", metric.unit == Unit::bytes);
      // One name, one meaning: node_exporter refuses one family with two HELP texts.
      Report report = base_report();
      report.root.name = "t";
      report.root.state = State::ok;
      report.root.add(metric, metric.field == "client_id" || metric.field == "expires_at"
                                  ? FieldValue{std::string("text")}
                                  : FieldValue{std::int64_t{1}});
      const auto families = by_name(format(report).text);
      if (!families.count(name)) continue;  // a string: not a sample
      const auto [it, inserted] = help_of_name.emplace(name, families.at(name).help);
      EXPECT_TRUE(inserted || it->second == families.at(name).help) << "two metrics share " << name;
    }
  }
}

}  // namespace
}  // namespace cfmon::prometheus
