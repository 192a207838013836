// The API budget as a run-level finding: root metrics in every format, --min-api-budget's judgement.
#include "cfmon/api_budget.hpp"

#include <gtest/gtest.h>

#include "cfmon/findings.hpp"
#include "line_protocol.hpp"
#include "nagios_formatter.hpp"
#include "prometheus_formatter.hpp"
#include "support/results.hpp"
#include "zabbix_formatter.hpp"

namespace cfmon::plugin {
namespace {

using cfmon::testing::says;
using cloudflare::ApiBudget;

const Metric kSome{.field = "days_left", .perf_label = "days_left"};

// A root with one OK child (as the checks fold them: the child speaks).
Result one_ok_token() {
  Result root;
  Result child;
  child.name = "ci";
  child.state = State::ok;
  child.reason = "token_valid";
  child.message = "expires in 90 days";
  child.add(kSome, FieldValue{90.0});
  root.children.push_back(child);
  fold_children(root, "token", "tokens", SingleChild::speaks);
  return root;
}

TEST(ApiBudget, AKnownBudgetIsARootMetricWithoutAJudgement) {
  Result root = one_ok_token();
  judge_api_budget(root, ApiBudget{40, 1200, 300}, 1, std::nullopt);
  EXPECT_TRUE(says(root, State::ok, "token_valid", "expires in 90 days"));
  ASSERT_EQ(root.metrics.size(), 2U);
  EXPECT_EQ(root.metrics[0].metric.field, "api_budget_remaining");
  EXPECT_EQ(root.metrics[0].value, FieldValue{std::int64_t{40}});
  EXPECT_EQ(root.metrics[1].metric.field, "api_budget_quota");
  EXPECT_EQ(root.metrics[1].value, FieldValue{std::int64_t{1200}});
}

TEST(ApiBudget, NoHeadersNoMetricNeverAnInventedZero) {
  Result root = one_ok_token();
  judge_api_budget(root, std::nullopt, 1, std::nullopt);
  EXPECT_TRUE(root.metrics.empty());
  EXPECT_TRUE(says(root, State::ok, "token_valid", "expires in 90 days"));
}

TEST(ApiBudget, BelowTheMinimumIsWarningApiBudgetLow) {
  Result root = one_ok_token();
  judge_api_budget(root, ApiBudget{40, 1200, 300}, 1, 100);
  EXPECT_TRUE(says(root, State::warning, "api_budget_low",
                   "expires in 90 days; Cloudflare API budget low: 40 of 1200 requests left in this 300 s window "
                   "(--min-api-budget 100)"));
  ASSERT_TRUE(root.metrics[0].warn);
  EXPECT_EQ(root.metrics[0].warn->text, "100:");
}

TEST(ApiBudget, AtTheMinimumIsFine) {
  Result root = one_ok_token();
  judge_api_budget(root, ApiBudget{100, std::nullopt, std::nullopt}, 1, 100);
  EXPECT_TRUE(says(root, State::ok, "token_valid", "expires in 90 days"));
  EXPECT_EQ(root.metrics.size(), 1U) << "no quota announced, none shown";
}

TEST(ApiBudget, AWorseChildKeepsItsReason) {
  Result root = one_ok_token();
  root.children[0].state = State::critical;
  root.children[0].reason = "token_expired";
  fold_children(root, "token", "tokens", SingleChild::speaks);
  judge_api_budget(root, ApiBudget{5, std::nullopt, std::nullopt}, 1, 100);
  EXPECT_EQ(root.state, State::critical);
  EXPECT_EQ(root.reason, "token_expired");
  EXPECT_NE(root.message.find("Cloudflare API budget low: 5 requests left (--min-api-budget 100)"), std::string::npos)
      << root.message;
}

TEST(ApiBudget, NoHeadersWithAMinimumIsWarningApiBudgetUnknown) {
  Result root = one_ok_token();
  judge_api_budget(root, std::nullopt, 2, 100);
  EXPECT_TRUE(says(root, State::warning, "api_budget_unknown",
                   "expires in 90 days; Cloudflare API budget unknown: no answer carried rate-limit headers "
                   "(--min-api-budget 100)"));
}

TEST(ApiBudget, AnswersFromTheCacheAreSaidButStayOk) {
  Result root = one_ok_token();
  judge_api_budget(root, std::nullopt, 0, 100);
  EXPECT_EQ(root.state, State::ok);
  EXPECT_NE(root.message.find("every answer came from the cache"), std::string::npos) << root.message;
}

TEST(ApiBudget, ACheckThatCouldNotRunStaysUnknown) {
  Result root;
  root.state = State::unknown;
  root.reason = "rate_limited";
  root.message = "rate limited";
  judge_api_budget(root, ApiBudget{0, 1200, 300}, 1, 100);
  EXPECT_EQ(root.state, State::unknown);
  EXPECT_EQ(root.reason, "rate_limited");
}

TEST(ApiBudget, TheMinimumsRange) {
  EXPECT_FALSE(check_min_api_budget(std::nullopt));
  EXPECT_FALSE(check_min_api_budget(1));
  EXPECT_TRUE(check_min_api_budget(0));
  EXPECT_TRUE(check_min_api_budget(-5));
  EXPECT_TRUE(check_min_api_budget(2'000'000'000));
}

Report budget_report(int children) {
  Report report;
  report.label = "CF-TOKENS";
  report.measurement = "cf_service_token";
  for (int i = 0; i < children; ++i) {
    Result child;
    child.name = "t" + std::to_string(i);
    child.state = State::ok;
    child.reason = "token_valid";
    child.message = "fine";
    child.add(kSome, FieldValue{90.0});
    report.root.children.push_back(child);
  }
  fold_children(report.root, "token", "tokens", SingleChild::speaks);
  judge_api_budget(report.root, ApiBudget{40, 1200, 300}, 1, 100);
  return report;
}

TEST(ApiBudget, EveryFormatShowsTheRootMetric) {
  for (int n : {1, 2}) {
    const Report report = budget_report(n);
    const auto nagios = cfmon::nagios::format(report);
    EXPECT_NE(nagios.text.find("CF-TOKENS WARNING - "), std::string::npos) << nagios.text;
    EXPECT_NE(nagios.text.find("Cloudflare API budget low: 40 of 1200"), std::string::npos) << nagios.text;
    EXPECT_NE(nagios.text.find("api_budget_remaining=40;100:;;0"), std::string::npos) << nagios.text;
    EXPECT_NE(nagios.text.find("api_budget_quota=1200;;;0"), std::string::npos) << nagios.text;
    EXPECT_EQ(nagios.exit_code, 1);
    const auto influx = cfmon::telegraf::format(report).text;
    EXPECT_NE(influx.find("api_budget_remaining=40i,api_budget_quota=1200i"), std::string::npos) << influx;
    const auto zabbix = cfmon::zabbix::format(report).text;
    EXPECT_NE(zabbix.find("\"api_budget_remaining\":40"), std::string::npos) << zabbix;
    EXPECT_NE(zabbix.find("\"api_budget_quota\":1200"), std::string::npos) << zabbix;
    const auto metrics = cfmon::prometheus::format(report).text;
    EXPECT_NE(metrics.find("cfmon_api_budget_remaining{check=\"cf_service_token\"} 40\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("cfmon_api_budget_quota{check=\"cf_service_token\"} 1200\n"), std::string::npos) << metrics;
  }
}

}  // namespace
}  // namespace cfmon::plugin
