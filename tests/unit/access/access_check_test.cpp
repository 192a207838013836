#include "access_check.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "support/fake_http.hpp"

namespace cfmon::access {
namespace {

using FakeClient = cfmon::testing::FakeHttp;

http::Response status(long code, double seconds = 0.05) {
  http::Response r;
  r.status = code;
  r.timings.total = seconds;
  return r;
}

bool has_credentials(const http::Request& r) {
  return !r.secret_headers.empty();
}

AccessPlan plan_for(std::vector<Target> targets) {
  AccessPlan plan;
  plan.targets = std::move(targets);
  plan.token.client_id = "0123456789abcdef0123456789abcdef.access";
  plan.token.client_secret = Secret("canary-secret-value");
  return plan;
}

const Target kApp{"app", "https://app.example.com/"};

TEST(AccessCheck, SendsTheTwoHeadersWithTheSecretKeptSecret) {
  FakeClient client([](const http::Request&) { return status(200); });
  const auto report = run_access_check(plan_for({kApp}), client);
  ASSERT_EQ(client.sent.size(), 1U);
  const auto& r = client.sent[0];
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0].first, "CF-Access-Client-Id");
  ASSERT_EQ(r.secret_headers.size(), 1U);
  EXPECT_EQ(r.secret_headers[0].first, "CF-Access-Client-Secret");
  EXPECT_EQ(r.secret_headers[0].second.reveal(), "canary-secret-value");
  EXPECT_EQ(report.root.state, State::ok);
  EXPECT_EQ(report.root.children.at(0).reason, "token_accepted");
}

TEST(AccessCheck, SingleHeaderModeSendsOneJsonHeader) {
  auto plan = plan_for({kApp});
  plan.token_header = "Authorization";
  FakeClient client([](const http::Request&) { return status(200); });
  (void)run_access_check(plan, client);
  const auto& r = client.sent.at(0);
  EXPECT_TRUE(r.headers.empty());
  ASSERT_EQ(r.secret_headers.size(), 1U);
  EXPECT_EQ(r.secret_headers[0].first, "Authorization");
  const auto json = nlohmann::json::parse(r.secret_headers[0].second.reveal());
  EXPECT_EQ(json.at("cf-access-client-id"), plan.token.client_id);
  EXPECT_EQ(json.at("cf-access-client-secret"), "canary-secret-value");
}

TEST(AccessCheck, ResponseTimeThresholdsRaiseAnOtherwiseOkApp) {
  auto plan = plan_for({kApp});
  plan.warning = Range{0, 1, false, "1"};
  plan.critical = Range{0, 2, false, "2"};
  FakeClient slow([](const http::Request&) { return status(200, 1.5); });
  EXPECT_EQ(run_access_check(plan, slow).root.state, State::warning);
  FakeClient slower([](const http::Request&) { return status(200, 2.5); });
  EXPECT_EQ(run_access_check(plan, slower).root.state, State::critical);
  FakeClient fast([](const http::Request&) { return status(200, 0.2); });
  const auto report = run_access_check(plan, fast);
  EXPECT_EQ(report.root.state, State::ok);
  // Thresholds travel in the perfdata.
  const auto time = perfdata_of(report.root.children.at(0)).at(0);
  EXPECT_EQ(time.label, "time");
  ASSERT_TRUE(time.warn.has_value());
  EXPECT_EQ(time.warn->text, "1");
}

TEST(AccessCheck, ExpectProtectedIsCriticalWhenTheAppAnswersAnonymously) {
  auto plan = plan_for({kApp});
  plan.expect_protected = true;
  FakeClient open_app([](const http::Request&) { return status(200); });
  const auto report = run_access_check(plan, open_app);
  ASSERT_EQ(open_app.sent.size(), 2U);
  EXPECT_TRUE(has_credentials(open_app.sent[0]));
  EXPECT_FALSE(has_credentials(open_app.sent[1]));
  EXPECT_TRUE(open_app.sent[1].headers.empty());
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.children.at(0).reason, "unprotected");

  FakeClient guarded([](const http::Request& r) {
    if (has_credentials(r)) return http::Outcome{status(200)};
    auto blocked = status(302);
    blocked.headers = {{"location", "https://t.cloudflareaccess.com/cdn-cgi/access/login/app?kid=x"}};
    return http::Outcome{blocked};
  });
  const auto ok = run_access_check(plan, guarded);
  EXPECT_EQ(ok.root.state, State::ok);
  EXPECT_NE(ok.root.children.at(0).message.find("blocks anonymous"), std::string::npos);
}

TEST(AccessCheck, SeveralTargetsGiveTheWorstStateAndASummary) {
  const std::vector<Target> targets{
      {"a", "https://a.example.com/"}, {"b", "https://b.example.com/"}, {"c", "https://c.example.com/"}};
  FakeClient client([](const http::Request& r) -> http::Outcome {
    if (r.url.find("//a.") != std::string::npos) return status(200);
    if (r.url.find("//b.") != std::string::npos) return status(502);
    return http::TransportError{http::ErrorKind::timeout, 28, "timed out", {}};
  });
  auto plan = plan_for(targets);
  plan.timeout_state = State::unknown;
  plan.parallel = 7;
  const auto report = run_access_check(plan, client);
  EXPECT_EQ(client.last_parallel, 7U);
  EXPECT_EQ(report.root.state, State::warning);  // UNKNOWN ranks below WARNING
  EXPECT_EQ(report.root.message, "3 apps: 1 warning, 1 unknown, 1 ok");
  ASSERT_EQ(report.root.children.size(), 3U);
  EXPECT_EQ(report.root.children[2].reason, "timeout");
  EXPECT_EQ(report.root.children[2].state, State::unknown);
}

TEST(AccessCheck, FieldsKeepTheirTypesWhateverTheOutcome) {
  FakeClient ok([](const http::Request&) { return status(200); });
  FakeClient failed([](const http::Request&) -> http::Outcome {
    return http::TransportError{http::ErrorKind::dns, 6, "no such host", {}};
  });
  const auto a = fields_of(run_access_check(plan_for({kApp}), ok).root.children.at(0));
  const auto b = fields_of(run_access_check(plan_for({kApp}), failed).root.children.at(0));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key, b[i].key);
    EXPECT_EQ(a[i].value.index(), b[i].value.index()) << a[i].key;
  }
}

TEST(AccessCheck, MessageSaysStatusAndTime) {
  FakeClient client([](const http::Request&) { return status(403); });
  const auto report = run_access_check(plan_for({kApp}), client);
  const auto& child = report.root.children.at(0);
  EXPECT_EQ(child.state, State::critical);
  EXPECT_NE(child.message.find("(HTTP 403) in 0.050 s"), std::string::npos) << child.message;
}

}  // namespace
}  // namespace cfmon::access
