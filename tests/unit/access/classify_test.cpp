#include "classify.hpp"

#include <gtest/gtest.h>

namespace cfmon {
namespace {

http::Response response(long status, std::vector<std::pair<std::string, std::string>> headers = {},
                        std::string body = {}) {
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

const std::pair<std::string, std::string> kAud{"cf-access-aud", "0123abcd"};
const std::pair<std::string, std::string> kDomain{"cf-access-domain", "app.example.com"};

struct Row {
  const char* name;
  http::Response response;
  State state;
  const char* reason;
  std::optional<bool> token_accepted;
};

class ClassifyTable : public ::testing::TestWithParam<Row> {};

TEST_P(ClassifyTable, MapsResponseToStateAndReason) {
  const Row& row = GetParam();
  const Verdict v = classify_access_response(row.response);
  EXPECT_EQ(v.state, row.state) << row.name << ": " << v.meaning;
  EXPECT_EQ(v.reason, row.reason) << row.name;
  EXPECT_EQ(v.token_accepted, row.token_accepted) << row.name;
  EXPECT_EQ(v.meaning.find('|'), std::string::npos);
  EXPECT_EQ(v.meaning.find('\n'), std::string::npos);
}

const std::string kLogin =
    "https://acme.cloudflareaccess.com/cdn-cgi/access/login/app.example.com?kid=abc&redirect_url=%2F";

INSTANTIATE_TEST_SUITE_P(
    DefaultTable, ClassifyTable,
    ::testing::Values(
        Row{"200", response(200), State::ok, "token_accepted", true},
        Row{"204", response(204), State::ok, "token_accepted", true},
        Row{"302 to team login", response(302, {{"location", kLogin}}), State::critical, "login_redirect", false},
        Row{"302 to own-host login", response(302, {{"location", "/cdn-cgi/access/login/app?kid=1"}}), State::critical,
            "login_redirect", false},
        // A 3xx proves nothing by itself (classify_redirect_test.cpp has the whole story).
        Row{"301 to another origin", response(301, {{"location", "https://sso.example.net/dashboard"}}), State::warning,
            "redirect_unverified", std::nullopt},
        Row{"302 without location", response(302), State::warning, "redirect_unverified", std::nullopt},
        Row{"401 from Access", response(401, {kAud, kDomain}), State::critical, "token_invalid", false},
        Row{"401 from origin", response(401), State::critical, "unauthorized", false},
        Row{"403 from Access", response(403, {kAud, kDomain}), State::critical, "token_rejected", false},
        Row{"403 only aud header", response(403, {kAud}), State::critical, "token_rejected", false},
        Row{"403 WAF 1010", response(403, {}, "error code: 1010"), State::critical, "forbidden_waf", std::nullopt},
        Row{"403 origin", response(403, {}, "nope"), State::critical, "forbidden_not_access", std::nullopt},
        Row{"502", response(502), State::warning, "origin_down", true},
        Row{"504", response(504), State::warning, "origin_down", true},
        Row{"520", response(520), State::warning, "origin_down", true},
        Row{"522", response(522), State::warning, "origin_down", true},
        Row{"526", response(526), State::warning, "origin_down", true},
        Row{"530 1033", response(530, {{"retry-after", "120"}}, "error code: 1033"), State::warning, "tunnel_down",
            true},
        Row{"530 json 1033", response(530, {}, R"({"error_code":1033,"retry_after":120})"), State::warning,
            "tunnel_down", true},
        Row{"530 other", response(530, {}, "error code: 1016"), State::warning, "origin_unreachable", true},
        Row{"404", response(404), State::warning, "unexpected_status", true},
        Row{"500", response(500), State::warning, "unexpected_status", true},
        Row{"527", response(527), State::warning, "unexpected_status", true},
        Row{"429", response(429), State::warning, "unexpected_status", true}),
    [](const ::testing::TestParamInfo<Row>& param_info) {
      std::string name = param_info.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(Classify, StatusMapOverridesStateButKeepsTheExplanation) {
  const auto map = StatusMap::parse("404=ok,5xx=critical");
  ASSERT_TRUE(map.has_value()) << map.error().message;
  const Verdict not_found = classify_access_response(response(404), *map);
  EXPECT_EQ(not_found.state, State::ok);
  EXPECT_EQ(not_found.reason, "unexpected_status");
  const Verdict bad_gateway = classify_access_response(response(502), *map);
  EXPECT_EQ(bad_gateway.state, State::critical);
  EXPECT_EQ(bad_gateway.reason, "origin_down");
  EXPECT_NE(bad_gateway.meaning.find("--status-map"), std::string::npos);
}

TEST(Classify, RedirectTargetIsEchoedWithoutPipes) {
  const Verdict v = classify_access_response(response(302, {{"location", "/a|b\nc"}}));
  EXPECT_EQ(v.meaning.find('|'), std::string::npos);
  EXPECT_EQ(v.meaning.find('\n'), std::string::npos);
}

struct ErrorRow {
  http::ErrorKind kind;
  State state;
  const char* reason;
};

TEST(Classify, TransportErrorsSayWhichPartFailed) {
  for (const auto& row : {ErrorRow{http::ErrorKind::dns, State::critical, "dns_error"},
                          ErrorRow{http::ErrorKind::connect, State::critical, "connect_error"},
                          ErrorRow{http::ErrorKind::tls, State::critical, "tls_error"},
                          ErrorRow{http::ErrorKind::protocol, State::critical, "protocol_error"},
                          ErrorRow{http::ErrorKind::config, State::unknown, "config_error"}}) {
    const Verdict v = classify_transport_error(http::TransportError{row.kind, 0, "detail", {}}, State::critical);
    EXPECT_EQ(v.state, row.state) << row.reason;
    EXPECT_EQ(v.reason, row.reason);
    EXPECT_FALSE(v.token_accepted.has_value());
  }
}

TEST(Classify, TimeoutTakesTheConfiguredState) {
  const http::TransportError timeout{http::ErrorKind::timeout, 28, "Operation timed out", {}};
  EXPECT_EQ(classify_transport_error(timeout, State::critical).state, State::critical);
  EXPECT_EQ(classify_transport_error(timeout, State::unknown).state, State::unknown);
  EXPECT_EQ(classify_transport_error(timeout, State::warning).reason, "timeout");
}

TEST(Classify, AnonymousProbeIsOkOnlyWhenAccessBlocksIt) {
  EXPECT_EQ(classify_anonymous_response(response(302, {{"location", kLogin}})).state, State::ok);
  EXPECT_EQ(classify_anonymous_response(response(403, {kAud, kDomain})).state, State::ok);
  EXPECT_EQ(classify_anonymous_response(response(401, {kAud, kDomain})).state, State::ok);
  // The app itself answering, even with an error, means Access is not in front of it.
  EXPECT_EQ(classify_anonymous_response(response(200)).state, State::critical);
  EXPECT_EQ(classify_anonymous_response(response(403)).state, State::critical);
  EXPECT_EQ(classify_anonymous_response(response(302, {{"location", "/login"}})).state, State::critical);
  EXPECT_EQ(classify_anonymous_response(response(200)).reason, "unprotected");
}

}  // namespace
}  // namespace cfmon
