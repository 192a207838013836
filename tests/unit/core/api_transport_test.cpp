#include "cfmon/cloudflare_api.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "api_test_support.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::cloudflare {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- pagination

// Pagination (5 a page) stops where the answers say, and no later.
struct PagingCase {
  const char* name;
  std::function<http::Response(int page)> answer;
  std::size_t tokens;
  std::size_t requests;
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
void PrintTo(const PagingCase& c, std::ostream* os) {
  *os << c.name;
}

class CloudflareApiPaging : public ::testing::TestWithParam<PagingCase> {};

TEST_P(CloudflareApiPaging, StopsWhereTheAnswersSay) {
  const PagingCase& c = GetParam();
  FakeHttp http([&](const http::Request& r) { return c.answer(page_of(r)); });
  ApiClient api(http, settings(5));
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), c.tokens);
  EXPECT_EQ(http.sent.size(), c.requests);
}

INSTANTIATE_TEST_SUITE_P(
    CloudflareApi, CloudflareApiPaging,
    ::testing::Values(
        // total_pages says 3: no fourth request.
        PagingCase{"PaginatesUntilTotalPages",
                   [](int page) {
                     return envelope(tokens((page - 1) * 5, 5),
                                     {{"page", page}, {"per_page", 5}, {"count", 5}, {"total_pages", 3}});
                   },
                   15, 3},
        PagingCase{
            "PaginatesWithoutTotalPagesUntilAShortPage",
            [](int page) {
              const int count = page < 3 ? 5 : 2;
              return envelope(tokens((page - 1) * 5, count), {{"page", page}, {"per_page", 5}, {"count", count}});
            },
            12, 3},
        PagingCase{"AFullLastPageStopsOnTotalCountWithoutAnEmptyRequest",
                   [](int page) {
                     return envelope(tokens((page - 1) * 5, 5),
                                     {{"page", page}, {"per_page", 5}, {"count", 5}, {"total_count", 10}});
                   },
                   10, 2},
        PagingCase{"AFullLastPageWithoutInfoCostsOneEmptyRequest",
                   [](int page) { return envelope(page <= 2 ? tokens((page - 1) * 5, 5) : Json::array()); }, 10, 3}),
    [](const ::testing::TestParamInfo<PagingCase>& p) { return std::string(p.param.name); });

TEST(CloudflareApi, EndlessPaginationStopsAtThePageCap) {
  FakeHttp http([](const http::Request& r) {
    const int page = page_of(r);
    return envelope(tokens(page * 10, 10), {{"page", page}, {"per_page", 10}, {"count", 10}, {"total_count", 1000000}});
  });
  auto s = settings(10);
  s.max_pages = 7;
  ApiClient api(http, s);
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::bad_response);
  EXPECT_NE(list.error().message.find("kept paginating past 7 pages"), std::string::npos) << list.error().message;
  EXPECT_EQ(http.sent.size(), 7U);
}

TEST(CloudflareApi, APageThatRepeatsItselfStopsAtOnce) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 10)); });
  ApiClient api(http, settings(10));
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("pagination does not advance"), std::string::npos) << list.error().message;
  EXPECT_EQ(http.sent.size(), 2U);
}

TEST(CloudflareApi, EndlessPaginationIsAlsoBoundedByTheDeadline) {
  FakeTime time;
  FakeHttp http([&](const http::Request& r) {
    time.steady += 3s;  // every page takes 3 s
    const int page = page_of(r);
    return envelope(tokens(page * 10, 10));
  });
  ApiClient api(http, settings(10), time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::timeout);
  EXPECT_NE(list.error().message.find("still incomplete after 4 pages when the 10 s budget ran out"), std::string::npos)
      << list.error().message;
  EXPECT_EQ(http.sent.size(), 4U) << "10 s budget, 3 s per page";
}

TEST(CloudflareApi, PerPageAboveTheSchemaMaximumIsAConfigError) {
  for (unsigned bad : {0U, 1001U, 5000U}) {
    auto s = settings(bad);
    ASSERT_TRUE(validate_settings(s)) << bad;
    FakeHttp http([](const http::Request&) { return envelope(Json::array()); });
    ApiClient api(http, s);
    auto list = api.list_service_tokens({});
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().kind, ApiErrorKind::config);
    EXPECT_NE(list.error().message.find("between 1 and 1000"), std::string::npos) << list.error().message;
    EXPECT_TRUE(http.sent.empty());
  }
  // The schema: an integer of at most 1000, no set of accepted values.
  for (unsigned good : {1U, 2U, 30U, 100U, 999U, 1000U}) EXPECT_FALSE(validate_settings(settings(good))) << good;
}

// ---------------------------------------------------------------- error codes

struct ErrorCase {
  long status;
  std::int64_t code;
  bool write;
  ApiErrorKind kind;
  std::string expected;
};

TEST(CloudflareApi, EveryDocumentedErrorCodeHasAClearMessage) {
  const std::vector<ErrorCase> cases = {
      {403, 10000, false, ApiErrorKind::forbidden, "the API token lacks Access: Service Tokens Read"},
      {403, 10000, true, ApiErrorKind::forbidden, "the API token lacks Access: Service Tokens Write"},
      {403, 9109, false, ApiErrorKind::unauthorized, "invalid or revoked, or not allowed on account"},
      {401, 1000, false, ApiErrorKind::unauthorized, "invalid API token"},
      {403, 9999, false, ApiErrorKind::no_organization, "has no Access organization"},
      {404, 7003, false, ApiErrorKind::bad_request, "bad --api-url or account ID, or a malformed ID"},
      {404, 12135, false, ApiErrorKind::not_found, "not found"},
      {404, 11021, false, ApiErrorKind::not_found, "not found"},
      {400, 12091, false, ApiErrorKind::bad_request, "the API refused the request (Cloudflare error 12091: odd)"},
      {400, 4242, false, ApiErrorKind::bad_request, "Cloudflare error 4242: odd"},
      {403, 4242, false, ApiErrorKind::forbidden, "needs Access: Service Tokens Read"},
      {500, 4242, false, ApiErrorKind::server_error, "try again later"},
  };
  for (const auto& c : cases) {
    FakeHttp http([&](const http::Request&) { return failure(c.status, c.code, "odd"); });
    ApiClient api(http, settings());
    const ApiError error = c.write ? api.refresh_service_token("abc").error() : api.list_service_tokens({}).error();
    EXPECT_EQ(error.kind, c.kind) << c.code << " " << error.message;
    EXPECT_NE(error.message.find(c.expected), std::string::npos) << c.code << ": " << error.message;
    EXPECT_NE(error.message.find(std::to_string(c.code)), std::string::npos) << "the code is kept: " << error.message;
    ASSERT_EQ(error.errors.size(), 1U);
    EXPECT_EQ(error.errors[0].code, c.code);
    EXPECT_EQ(error.http_status, c.status);
  }
}

TEST(CloudflareApi, NotFoundNamesTheToken) {
  FakeHttp http([](const http::Request&) { return failure(404, 12135, "access.api.error.not_found"); });
  ApiClient api(http, settings());
  auto token = api.get_service_token("deadbeef-0000");
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().kind, ApiErrorKind::not_found);
  EXPECT_NE(token.error().message.find("service token deadbeef-0000 not found"), std::string::npos)
      << token.error().message;
}

TEST(CloudflareApi, TheApiTokenNeverAppearsInAnErrorMessage) {
  FakeHttp http([](const http::Request&) {
    return failure(403, 4242, std::string("token ") + kToken + " is weird\nsecond line");
  });
  ApiClient api(http, settings());
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message.find(kToken), std::string::npos) << list.error().message;
  EXPECT_EQ(list.error().message.find('\n'), std::string::npos);
}

// ---------------------------------------------------------------- bad bodies

TEST(CloudflareApi, BodiesThatAreNotAnEnvelopeAreNeverSuccess) {
  struct Case {
    http::Response response;
    ApiErrorKind kind;
    std::string expected;
  };
  http::Response truncated = envelope(tokens(0, 3));
  truncated.body.resize(truncated.body.size() / 2);
  http::Response capped = envelope(tokens(0, 3));
  capped.body_truncated = true;
  const std::vector<Case> cases = {
      {respond(200, "{\"success\": tru"), ApiErrorKind::bad_response, "invalid or truncated JSON"},
      {truncated, ApiErrorKind::bad_response, "invalid or truncated JSON"},
      {capped, ApiErrorKind::bad_response, "larger than"},
      {respond(200, "<!DOCTYPE html><html>login</html>", {{"content-type", "text/html"}}), ApiErrorKind::bad_response,
       "an HTML page"},
      {respond(200, ""), ApiErrorKind::bad_response, "an empty body"},
      {respond(200, "[1,2,3]"), ApiErrorKind::bad_response, "not a v4 envelope"},
      {respond(200, "{\"result\": []}"), ApiErrorKind::bad_response, "not a v4 envelope"},
      {respond(200, "{\"success\": \"true\", \"result\": []}"), ApiErrorKind::bad_response, "not a v4 envelope"},
      {respond(200, "{\"success\": false, \"errors\": [], \"result\": []}"), ApiErrorKind::bad_response,
       "success:false without saying why"},
      {respond(200, "{\"success\": true, \"errors\": [], \"result\": {\"id\": 1}}"), ApiErrorKind::bad_response,
       "no result array"},
      {respond(502, "<html>Bad gateway</html>"), ApiErrorKind::server_error, "HTTP 502, an HTML page"},
      {respond(503, "{}"), ApiErrorKind::server_error, "HTTP 503"},
      {respond(403, "<html>blocked</html>"), ApiErrorKind::forbidden, "is --api-url right?"},
  };
  for (const auto& c : cases) {
    FakeHttp http([&](const http::Request&) { return c.response; });
    ApiClient api(http, settings());
    auto list = api.list_service_tokens({});
    ASSERT_FALSE(list) << c.response.body;
    EXPECT_EQ(list.error().kind, c.kind) << c.response.body << " -> " << list.error().message;
    EXPECT_NE(list.error().message.find(c.expected), std::string::npos) << list.error().message;
  }
}

// One malformed token must not blind a check to the others: the list keeps it, with
// lines naming what is wrong; a single-token answer with a problem is an error.
TEST(CloudflareApi, AMalformedTokenStaysInTheListWithItsProblems) {
  Json bad = token_json(2);
  bad["expires_at"] = "next tuesday";
  Json typed = token_json(3);
  typed["id"] = 123;
  typed["enabled"] = "false";
  FakeHttp http([&](const http::Request& r) {
    if (r.url.find("/service_tokens/") != std::string::npos) return envelope(bad);
    return envelope(Json::array({token_json(1), bad, typed, nullptr}));
  });
  ApiClient api(http, settings());
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 4U);
  EXPECT_TRUE((*list)[0].problems.empty());
  ASSERT_EQ((*list)[1].problems.size(), 1U);
  EXPECT_EQ((*list)[1].problems[0], "'expires_at' is not an RFC 3339 time");
  EXPECT_EQ((*list)[1].name, "token-2") << "the readable fields are kept";
  ASSERT_EQ((*list)[2].problems.size(), 2U);
  EXPECT_EQ((*list)[2].problems[0], "'id' is a number, not a string");
  EXPECT_EQ((*list)[2].problems[1], "'enabled' is a string, not a boolean");
  EXPECT_EQ((*list)[3].problems, std::vector<std::string>{"a service token in the answer is null, not a JSON object"});

  auto one = api.get_service_token("00000002-0000-4000-8000-000000000000");
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().kind, ApiErrorKind::bad_response);
  EXPECT_NE(one.error().message.find("'expires_at' is not an RFC 3339 time"), std::string::npos) << one.error().message;
}

// The schema requires no field: absent is never a problem, a wrong type always is.
TEST(CloudflareApi, EveryTokenFieldIsOptional) {
  for (const Json& t :
       {Json::object(), Json{{"id", "x"}}, Json{{"name", "only-a-name"}}, Json{{"client_id", "c.access"}},
        Json{{"id", "x"}, {"last_seen_at", nullptr}, {"expires_at", nullptr}, {"name", nullptr}}}) {
    const auto token = parse_service_token(t);
    ASSERT_TRUE(token) << t.dump();
    EXPECT_TRUE(token->problems.empty()) << t.dump() << ": " << token->problems.front();
  }
  FakeHttp http([](const http::Request&) { return envelope(Json{{"id", "00000001-0000-4000-8000-000000000000"}}); });
  ApiClient api(http, settings());
  const auto only_id = api.get_service_token("00000001-0000-4000-8000-000000000000");
  ASSERT_TRUE(only_id) << only_id.error().message;
  EXPECT_EQ(only_id->id, "00000001-0000-4000-8000-000000000000");

  for (const char* key :
       {"id", "client_id", "name", "duration", "expires_at", "created_at", "updated_at", "last_seen_at"}) {
    Json t = token_json(1);
    t[key] = Json::array({1});
    const auto token = parse_service_token(t);
    ASSERT_TRUE(token);
    EXPECT_EQ(token->problems, std::vector<std::string>{"'" + std::string(key) + "' is an array, not a string"});
  }
}

// A placeholder expiry (the epoch, Go's zero time, anything before 1678) is "never"
// only for a token whose duration says forever; otherwise the answer contradicts
// itself. A non-boolean `enabled` ("false", null) is not "enabled".
TEST(CloudflareApi, ContradictoryExpiriesAndNonBooleanEnabledAreProblems) {
  for (const char* when : {"1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1600-06-01T00:00:00Z"}) {
    Json t = token_json(1);
    t["expires_at"] = when;
    auto token = parse_service_token(t);
    ASSERT_TRUE(token);
    ASSERT_EQ(token->problems.size(), 1U) << when;
    EXPECT_EQ(token->problems[0],
              "'expires_at' " + std::string(when) + " is no real expiry, yet 'duration' is not 'forever'");
    t["duration"] = "forever";
    token = parse_service_token(t);
    EXPECT_TRUE(token->problems.empty()) << when;
    EXPECT_FALSE(token->expires_at) << "forever: no expiry";
  }
  for (const Json& enabled : {Json("false"), Json(nullptr), Json(0)}) {
    Json t = token_json(1);
    t["enabled"] = enabled;
    const auto token = parse_service_token(t);
    ASSERT_TRUE(token);
    ASSERT_EQ(token->problems.size(), 1U) << enabled.dump();
    EXPECT_NE(token->problems[0].find("'enabled' is "), std::string::npos);
  }
}

// Wrong JSON types used to escape as "[json.exception.type_error…]".
TEST(CloudflareApi, WrongJsonTypesAreABadResponseNamingTheField) {
  FakeHttp graphql([](const http::Request&) { return respond(200, R"({"data":null,"errors":[{"message":42}]})"); });
  ApiClient a(graphql, settings());
  const auto data = a.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::bad_response);
  EXPECT_EQ(data.error().message, "the GraphQL answer's errors[0].message is a number, not a string");

  // Ids of every type on every page: read, never thrown.
  FakeHttp list([](const http::Request& r) {
    Json page = Json::array();
    for (const Json& id : {Json(1), Json(nullptr), Json::array(), Json::object(), Json(true)}) {
      Json t = token_json(page_of(r) * 10 + static_cast<int>(page.size()));
      t["id"] = id;
      page.push_back(t);
    }
    return envelope(page);
  });
  ApiClient b(list, settings());
  ApiResult<std::vector<ServiceTokenInfo>> tokens_read = std::vector<ServiceTokenInfo>{};
  ASSERT_NO_THROW(tokens_read = b.list_service_tokens({}));
  ASSERT_TRUE(tokens_read) << tokens_read.error().message;
  ASSERT_EQ(tokens_read->size(), 5U);
  EXPECT_EQ((*tokens_read)[0].problems, std::vector<std::string>{"'id' is a number, not a string"});
  EXPECT_TRUE((*tokens_read)[1].problems.empty()) << "null is absent";
  EXPECT_EQ((*tokens_read)[2].problems, std::vector<std::string>{"'id' is an array, not a string"});
}

// A 300 000-deep array (600 KB) used to overflow the stack in recursive copies (the
// cache, the logins check): every answer is refused past 64 levels, cached or not.
TEST(CloudflareApi, DeeplyNestedAnswersAreABadResponseNotACrash) {
  const std::string deep = std::string(300000, '[') + std::string(300000, ']');
  const std::string v4 = R"({"success":true,"errors":[],"messages":[],"result":)" + deep + "}";
  testing::TempDir tmp;
  FakeHttp http([&](const http::Request& r) {
    if (r.url.ends_with("/graphql")) return respond(200, R"({"data":{"viewer":)" + deep + "}}");
    return respond(200, v4);
  });
  auto s = settings();
  s.cache.ttl = 60s;
  s.cache.dir = tmp.path() + "/cache";
  ApiClient api(http, s);
  const auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::bad_response);
  EXPECT_EQ(list.error().message,
            "the API answered HTTP 200 with JSON nested deeper than 64 levels, not an API answer");
  const auto data = api.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::bad_response);

  // Just inside the bound is still an answer.
  std::string nested_ok = "1";
  for (int i = 0; i < 62; ++i) nested_ok = "[" + nested_ok + "]";
  FakeHttp fine([&](const http::Request&) { return respond(200, R"({"data":{"x":)" + nested_ok + "}}"); });
  ApiClient b(fine, settings());
  EXPECT_TRUE(b.graphql("query { x }", Json::object()));
}

// A list is bounded in bytes and tokens, whatever the page cap; and keeps only the
// fields it uses (a hostile page of extra fields is dropped, not cached).
TEST(CloudflareApi, AListIsBoundedInBytesAndTokensAndKeepsOnlyItsFields) {
  const std::string junk(40 * 1024, 'j');
  FakeHttp big([&](const http::Request& r) {
    Json page = tokens(page_of(r) * 100, 100);
    for (auto& t : page) t["junk"] = junk;  // ~4 MiB a page
    return envelope(page);
  });
  ApiClient a(big, settings());
  auto list = a.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::bad_response);
  EXPECT_EQ(list.error().message, "the service token list passed 8192 KiB by page 3; refusing to read more");
  EXPECT_EQ(big.sent.size(), 3U) << "not the 100 pages of the page cap";

  FakeHttp many([](const http::Request& r) { return envelope(tokens(page_of(r) * 10, 10)); });
  auto s = settings(10);
  s.max_list_items = 25;
  ApiClient b(many, s);
  list = b.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message, "the service token list passed 25 tokens by page 3; refusing to read more");

  testing::TempDir tmp;
  FakeHttp extra([](const http::Request&) {
    Json page = tokens(0, 2);
    for (auto& t : page) t["unused_field"] = "XYZZY-not-kept";
    return envelope(page);
  });
  auto c = settings();
  c.cache.ttl = 60s;
  c.cache.dir = tmp.path() + "/cache";
  ApiClient cached_api(extra, c);
  ASSERT_TRUE(cached_api.list_service_tokens({}));
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(c.cache.dir)) {
    if (e.path().extension() != ".json") continue;
    ++files;
    const std::string text = testing::slurp(e.path());
    EXPECT_NE(text.find("token-1"), std::string::npos) << text;
    EXPECT_EQ(text.find("XYZZY"), std::string::npos) << text;
  }
  EXPECT_EQ(files, 1U);
}

// -t is the budget of the whole run: with a deadline, an operation gets only what the
// ones before it left, and none starts after it.
TEST(CloudflareApi, ARunDeadlineBoundsEveryOperationTogether) {
  FakeTime time;
  FakeHttp http([&](const http::Request& r) {
    time.steady += 7s;
    if (r.url.ends_with("/graphql")) return respond(200, R"({"data":{}})");
    return envelope(tokens(0, 1));
  });
  auto s = settings();
  s.deadline = time.steady + 10s;
  ApiClient api(http, s, time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  const auto data = api.graphql("query { x }", Json::object());
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(http.sent.size(), 2U);
  EXPECT_EQ(http.sent[0].timeout, 10000ms);
  EXPECT_EQ(http.sent[1].timeout, 3000ms) << "what the list left, not a fresh 10 s";
  const auto late = api.get_service_token("00000001-0000-4000-8000-000000000000");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, ApiErrorKind::timeout);
  EXPECT_EQ(http.sent.size(), 2U) << "nothing sent past the deadline";
}

TEST(CloudflareApi, TransportFailuresAndTimeoutsAreTheirOwnKinds) {
  FakeHttp timeout([](const http::Request&) {
    return http::TransportError{http::ErrorKind::timeout, 28, "Operation timed out", {}};
  });
  ApiClient a(timeout, settings());
  auto list = a.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::timeout);

  FakeHttp refused([](const http::Request&) {
    return http::TransportError{http::ErrorKind::connect, 7, "Failed to connect", {}};
  });
  ApiClient b(refused, settings());
  list = b.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::transport);
  EXPECT_NE(list.error().message.find("cannot reach the Cloudflare API at https://api.example.test/client/v4"),
            std::string::npos)
      << list.error().message;
}

TEST(CloudflareApi, EachRequestGetsOnlyTheTimeLeftInTheBudget) {
  FakeTime time;
  FakeHttp http([&](const http::Request& r) {
    time.steady += 4s;
    const int page = page_of(r);
    return envelope(tokens(page * 5, page < 2 ? 5 : 1));
  });
  ApiClient api(http, settings(5), time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_EQ(http.sent.size(), 2U);
  EXPECT_EQ(http.sent[0].timeout, 10000ms);
  EXPECT_EQ(http.sent[1].timeout, 6000ms);
  EXPECT_EQ(http.sent[0].max_body_bytes, settings().max_response_bytes);
}

// ---------------------------------------------------------------- rate limits

TEST(CloudflareApi, RetryAfterInsideTheDeadlineIsHonoured) {
  FakeTime time;
  int calls = 0;
  FakeHttp http([&](const http::Request&) -> http::Outcome {
    if (++calls == 1) return respond(429, failure(429, 971, "Please wait").body, {{"retry-after", "3"}});
    return envelope(tokens(0, 2));
  });
  ApiClient api(http, settings(), time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 2U);
  ASSERT_EQ(time.slept.size(), 1U);
  EXPECT_EQ(time.slept[0], 3000ms);
  EXPECT_EQ(http.sent.size(), 2U);
}

TEST(CloudflareApi, RetryAfterBeyondTheDeadlineFailsAtOnceWithAClearError) {
  FakeTime time;
  FakeHttp http([&](const http::Request&) {
    return respond(429, "{}", {{"retry-after", "300"}, {"ratelimit", "\"default\";r=0;t=300"}});
  });
  ApiClient api(http, settings(), time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::rate_limited);
  ASSERT_TRUE(list.error().retry_after);
  EXPECT_EQ(*list.error().retry_after, 300s);
  EXPECT_NE(list.error().message.find("retry in 300 s"), std::string::npos) << list.error().message;
  EXPECT_NE(list.error().message.find("--cache-ttl"), std::string::npos);
  // The budget is the user's, whatever API token spends it.
  EXPECT_NE(list.error().message.find("1200 requests per 5 minutes per user, shared by all of that user's API tokens"),
            std::string::npos)
      << list.error().message;
  EXPECT_TRUE(time.slept.empty()) << "never waits for a retry that cannot fit";
  EXPECT_EQ(http.sent.size(), 1U);
}

TEST(CloudflareApi, RateLimitWithoutAnyWaitHintIsNotRetried) {
  FakeTime time;
  FakeHttp http([](const http::Request&) { return respond(429, "{}"); });
  ApiClient api(http, settings(), time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::rate_limited);
  EXPECT_EQ(http.sent.size(), 1U);
}

TEST(CloudflareApi, RepeatedRateLimitsGiveUpAfterTheRetryLimit) {
  FakeTime time;
  FakeHttp http([](const http::Request&) { return respond(429, "{}", {{"retry-after", "0"}}); });
  auto s = settings();
  s.max_rate_limit_retries = 2;
  ApiClient api(http, s, time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().kind, ApiErrorKind::rate_limited);
  EXPECT_EQ(http.sent.size(), 3U);
}

TEST(CloudflareApi, RetryAfterReadsEveryHeaderStyle) {
  const TimePoint now = TimePoint{} + std::chrono::seconds(1'700'000'000);
  auto wait = [&](std::vector<std::pair<std::string, std::string>> headers) {
    return retry_after_of(respond(429, "", std::move(headers)), now);
  };
  EXPECT_EQ(wait({{"retry-after", "17"}}), 17s);
  EXPECT_EQ(wait({{"retry-after", " 5 "}}), 5s);
  EXPECT_EQ(wait({{"ratelimit", "\"default\";r=0;t=42"}}), 42s);
  EXPECT_EQ(wait({{"ratelimit", "\"default\"; r=0; t=9"}}), 9s);
  EXPECT_EQ(wait({{"x-ratelimit-reset", "30"}}), 30s);
  EXPECT_EQ(wait({{"x-ratelimit-reset", "1700000060"}}), 60s) << "an epoch time";
  EXPECT_EQ(wait({{"retry-after", "Tue, 14 Nov 2023 22:14:20 GMT"}}), 60s);
  EXPECT_EQ(wait({{"retry-after", "soon"}}), std::nullopt);
  EXPECT_EQ(wait({{"retry-after", "-3"}}), std::nullopt);
  EXPECT_EQ(wait({}), std::nullopt);
}

TEST(CloudflareApiBudget, ReadsEveryHeaderStyle) {
  auto budget = [](std::vector<std::pair<std::string, std::string>> headers) {
    return budget_of(respond(200, "", std::move(headers)));
  };
  EXPECT_EQ(budget({{"ratelimit", "\"default\";r=40;t=30"}, {"ratelimit-policy", "\"burst\";q=1200;w=300"}}),
            (ApiBudget{40, 1200, 300}));
  EXPECT_EQ(budget({{"ratelimit", "\"default\"; r=7; t=9"}}), (ApiBudget{7, std::nullopt, std::nullopt}));
  EXPECT_EQ(budget({{"x-ratelimit-remaining", "12"}, {"x-ratelimit-limit", "1200"}}), (ApiBudget{12, 1200, {}}));
  EXPECT_EQ(budget({{"ratelimit", "\"default\";r=0;t=1"}}), (ApiBudget{0, {}, {}})) << "0 is a real count";
  EXPECT_EQ(budget({{"ratelimit", "\"default\";r=5"}, {"x-ratelimit-limit", "100"}}), (ApiBudget{5, 100, {}}));
  EXPECT_EQ(budget({}), std::nullopt) << "never an invented 0";
}

TEST(CloudflareApiBudget, MalformedHeadersAreIgnored) {
  auto budget = [](std::vector<std::pair<std::string, std::string>> headers) {
    return budget_of(respond(200, "", std::move(headers)));
  };
  for (const char* bad :
       {"", "r=", "\"default\";r=", "\"default\";r=-4", "\"default\";r=abc", "\"default\";r=1e3",
        "\"default\";r=99999999999999999999999", "\"default\";t=30", ";;;", "\"default\";rr=5", "\"default\";r=5x"}) {
    EXPECT_EQ(budget({{"ratelimit", bad}}), std::nullopt) << bad;
  }
  EXPECT_EQ(budget({{"x-ratelimit-remaining", "many"}}), std::nullopt);
  EXPECT_EQ(budget({{"ratelimit", "garbage"}, {"x-ratelimit-remaining", "3"}}), (ApiBudget{3, {}, {}}))
      << "a malformed Ratelimit falls back to the older header";
  EXPECT_EQ(budget({{"ratelimit", "\"default\";r=3"}, {"ratelimit-policy", "\"burst\";q=-1;w=x"}}),
            (ApiBudget{3, {}, {}}));
}

TEST(CloudflareApiBudget, MergeKeepsTheLowestCount) {
  std::optional<ApiBudget> lowest;
  merge_budget(lowest, {100, std::nullopt, std::nullopt});
  EXPECT_EQ(lowest, (ApiBudget{100, {}, {}}));
  merge_budget(lowest, {200, 1200, 300});
  EXPECT_EQ(lowest, (ApiBudget{100, 1200, 300})) << "a higher count only brings the quota";
  merge_budget(lowest, {40, std::nullopt, std::nullopt});
  EXPECT_EQ(lowest, (ApiBudget{40, 1200, 300}));
  merge_budget(lowest, {30, 1000, 60});
  EXPECT_EQ(lowest, (ApiBudget{30, 1000, 60}));
}

TEST(CloudflareApiBudget, TheClientRecordsTheLowestRemainingOfTheRun) {
  FakeHttp http([](const http::Request& r) {
    const int page = page_of(r);
    auto answer = envelope(page <= 2 ? tokens((page - 1) * 10, 10) : Json::array());
    answer.headers = {{"ratelimit", "\"default\";r=" + std::to_string(page == 2 ? 17 : 50) + ";t=100"},
                      {"ratelimit-policy", "\"burst\";q=1200;w=300"}};
    return answer;
  });
  ApiClient api(http, settings(10));
  EXPECT_EQ(api.budget(), std::nullopt) << "before any answer";
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.sent.size(), 3U);
  EXPECT_EQ(api.budget(), (ApiBudget{17, 1200, 300}));
}

TEST(CloudflareApiBudget, AnswersWithoutTheHeadersGiveNoBudget) {
  FakeHttp http([](const http::Request&) { return envelope(Json::array()); });
  ApiClient api(http, settings(10));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(api.budget(), std::nullopt);
}

}  // namespace
}  // namespace cfmon::cloudflare
