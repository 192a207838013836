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

#include "temp_dir.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kToken = "canary-api-token-0123456789";
constexpr const char* kAccount = "0123456789abcdef0123456789abcdef";

// Answers through a function of the request; records every request.
class FakeHttp : public http::Client {
 public:
  explicit FakeHttp(std::function<http::Outcome(const http::Request&)> answer) : answer_(std::move(answer)) {}
  std::vector<http::Outcome> perform(const std::vector<http::Request>& requests, std::size_t parallel) override {
    EXPECT_EQ(parallel, 1U);
    std::vector<http::Outcome> out;
    for (const auto& r : requests) {
      {
        std::lock_guard lock(mutex_);
        sent.push_back(r);
      }
      out.push_back(answer_(r));
    }
    return out;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return sent.size();
  }
  std::vector<http::Request> sent;

 private:
  std::mutex mutex_;
  std::function<http::Outcome(const http::Request&)> answer_;
};

http::Response respond(long status, std::string body,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.body_bytes = r.body.size();
  r.headers = std::move(headers);
  return r;
}

http::Response envelope(Json result, Json result_info = nullptr, long status = 200) {
  Json body = {{"success", true}, {"errors", Json::array()}, {"messages", Json::array()}, {"result", result}};
  if (!result_info.is_null()) body["result_info"] = result_info;
  return respond(status, body.dump());
}

http::Response failure(long status, std::int64_t code, const std::string& message) {
  Json body = {{"success", false},
               {"errors", Json::array({{{"code", code}, {"message", message}}})},
               {"messages", Json::array()},
               {"result", nullptr}};
  return respond(status, body.dump());
}

Json token_json(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "%08d-0000-4000-8000-000000000000", n);
  return {{"id", id},
          {"client_id", std::string(32, static_cast<char>('a' + n % 6)) + ".access"},
          {"name", "token-" + std::to_string(n)},
          {"duration", "8760h"},
          {"expires_at", "2030-01-01T00:00:00Z"},
          {"created_at", "2025-01-01T00:00:00Z"},
          {"updated_at", "2025-01-01T00:00:00Z"}};
}

Json tokens(int from, int count) {
  Json array = Json::array();
  for (int i = from; i < from + count; ++i) array.push_back(token_json(i));
  return array;
}

// The page number a list request asks for.
int page_of(const http::Request& r) {
  const auto pos = r.url.find("page=");
  return pos == std::string::npos ? 0 : std::stoi(r.url.substr(pos + 5));
}

// A fake clock: sleeping advances it, nothing waits for real.
struct FakeTime {
  std::chrono::steady_clock::time_point steady{std::chrono::hours(1000)};
  TimePoint wall = TimePoint{} + std::chrono::hours(24 * 365 * 55);
  std::vector<std::chrono::milliseconds> slept;
  std::vector<std::string> log;

  ApiHooks hooks() {
    ApiHooks h;
    h.steady_now = [this] { return steady; };
    h.wall_now = [this] { return wall; };
    h.sleep = [this](std::chrono::milliseconds d) {
      slept.push_back(d);
      steady += d;
      wall += d;
    };
    h.log = [this](std::string_view line) { log.emplace_back(line); };
    return h;
  }
};

ApiSettings settings(unsigned per_page = 100) {
  ApiSettings s;
  s.base_url = "https://api.example.test/client/v4";
  s.credentials.account_id = kAccount;
  s.credentials.api_token = Secret(kToken);
  s.per_page = per_page;
  s.timeout = 10s;
  return s;
}

// ---------------------------------------------------------------- envelope

TEST(CloudflareApi, ListParsesTheEnvelopeIntoTypedTokens) {
  Json first = token_json(1);
  first["last_seen_at"] = "2025-06-01T12:00:00Z";
  first["enabled"] = false;
  Json second = token_json(2);
  second.erase("expires_at");
  second["duration"] = "forever";
  second["last_seen_at"] = nullptr;
  FakeHttp http([&](const http::Request&) { return envelope(Json::array({first, second}), {{"page", 1}, {"per_page", 100}, {"count", 2}, {"total_count", 2}}); });
  FakeTime time;
  ApiClient api(http, settings(), time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2U);
  const auto& a = (*list)[0];
  EXPECT_EQ(a.id, "00000001-0000-4000-8000-000000000000");
  EXPECT_EQ(a.name, "token-1");
  EXPECT_EQ(a.client_id, std::string(32, 'b') + ".access");
  EXPECT_EQ(a.duration, "8760h");
  ASSERT_TRUE(a.expires_at);
  EXPECT_EQ(format_rfc3339(*a.expires_at), "2030-01-01T00:00:00Z");
  ASSERT_TRUE(a.last_seen_at);
  EXPECT_EQ(format_rfc3339(*a.last_seen_at), "2025-06-01T12:00:00Z");
  EXPECT_FALSE(a.enabled);
  const auto& b = (*list)[1];
  EXPECT_FALSE(b.expires_at);
  EXPECT_FALSE(b.last_seen_at);
  EXPECT_TRUE(b.enabled) << "an absent 'enabled' means enabled";
  EXPECT_EQ(b.duration, "forever");
}

TEST(CloudflareApi, SendsTheTokenOnlyAsARedactedBearerHeader) {
  FakeHttp http([](const http::Request&) { return envelope(Json::array()); });
  ApiClient api(http, settings());
  ASSERT_TRUE(api.list_service_tokens({"my token", ""}));
  ASSERT_EQ(http.sent.size(), 1U);
  const auto& r = http.sent[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, std::string("https://api.example.test/client/v4/accounts/") + kAccount +
                       "/access/service_tokens?page=1&per_page=100&name=my%20token");
  ASSERT_EQ(r.secret_headers.size(), 1U);
  EXPECT_EQ(r.secret_headers[0].first, "Authorization");
  EXPECT_EQ(r.secret_headers[0].second.reveal(), std::string("Bearer ") + kToken);
  for (const auto& [name, value] : r.headers) EXPECT_EQ(value.find(kToken), std::string::npos) << name;
  EXPECT_EQ(r.url.find(kToken), std::string::npos);
}

TEST(CloudflareApi, GetUsesTheIdPathAndRefusesIdsThatWouldChangeThePath) {
  FakeHttp http([](const http::Request&) { return envelope(token_json(7)); });
  ApiClient api(http, settings());
  auto token = api.get_service_token("00000007-0000-4000-8000-000000000000");
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token->name, "token-7");
  EXPECT_TRUE(http.sent.back().url.ends_with("/access/service_tokens/00000007-0000-4000-8000-000000000000"));
  auto bad = api.get_service_token("../../zones");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ApiErrorKind::bad_request);
  EXPECT_EQ(http.sent.size(), 1U) << "a malformed id is refused before sending";
}

// ---------------------------------------------------------------- pagination

TEST(CloudflareApi, PaginatesUntilTotalPages) {
  FakeHttp http([](const http::Request& r) {
    const int page = page_of(r);
    return envelope(tokens((page - 1) * 5, 5), {{"page", page}, {"per_page", 5}, {"count", 5}, {"total_pages", 3}});
  });
  ApiClient api(http, settings(5));
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 15U);
  EXPECT_EQ(http.sent.size(), 3U) << "total_pages says 3: no fourth request";
}

TEST(CloudflareApi, PaginatesWithoutTotalPagesUntilAShortPage) {
  FakeHttp http([](const http::Request& r) {
    const int page = page_of(r);
    const int count = page < 3 ? 5 : 2;
    return envelope(tokens((page - 1) * 5, count), {{"page", page}, {"per_page", 5}, {"count", count}});
  });
  ApiClient api(http, settings(5));
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 12U);
  EXPECT_EQ(http.sent.size(), 3U);
}

TEST(CloudflareApi, AFullLastPageStopsOnTotalCountWithoutAnEmptyRequest) {
  FakeHttp http([](const http::Request& r) {
    const int page = page_of(r);
    return envelope(tokens((page - 1) * 5, 5), {{"page", page}, {"per_page", 5}, {"count", 5}, {"total_count", 10}});
  });
  ApiClient api(http, settings(5));
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 10U);
  EXPECT_EQ(http.sent.size(), 2U);
}

TEST(CloudflareApi, AFullLastPageWithoutInfoCostsOneEmptyRequest) {
  FakeHttp http([](const http::Request& r) {
    const int page = page_of(r);
    return envelope(page <= 2 ? tokens((page - 1) * 5, 5) : Json::array());
  });
  ApiClient api(http, settings(5));
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 10U);
  EXPECT_EQ(http.sent.size(), 3U);
}

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
  EXPECT_NE(list.error().message.find("still incomplete after 4 pages when the 10 s budget ran out"),
            std::string::npos)
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
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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

// ---------------------------------------------------------------- writes

TEST(CloudflareApi, CreateSendsNameAndDurationAndReturnsTheSecret) {
  FakeHttp http([](const http::Request&) {
    Json t = token_json(3);
    t["client_secret"] = "the-one-time-secret";
    return envelope(t, nullptr, 201);
  });
  ApiClient api(http, settings());
  auto created = api.create_service_token("ci", std::string("17520h"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->client_secret.reveal(), "the-one-time-secret");
  EXPECT_EQ(created->info.name, "token-3");
  const auto& r = http.sent.at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_TRUE(r.url.ends_with("/access/service_tokens"));
  EXPECT_EQ(Json::parse(r.body), (Json{{"name", "ci"}, {"duration", "17520h"}}));
}

TEST(CloudflareApi, ACreateAnswerWithoutASecretIsAnError) {
  FakeHttp http([](const http::Request&) { return envelope(token_json(3), nullptr, 201); });
  ApiClient api(http, settings());
  auto created = api.create_service_token("ci", std::nullopt);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("no client_secret"), std::string::npos);
  EXPECT_EQ(Json::parse(http.sent.at(0).body), (Json{{"name", "ci"}}));
}

TEST(CloudflareApi, RotateRefreshDeleteUseTheDocumentedRequests) {
  FakeHttp http([](const http::Request& r) {
    Json t = token_json(4);
    if (r.url.ends_with("/rotate")) t["client_secret"] = "new-secret";
    return envelope(t);
  });
  ApiClient api(http, settings());
  const auto grace = *parse_rfc3339("2031-02-03T04:05:06Z");
  auto rotated = api.rotate_service_token("abc", grace);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(rotated->client_secret.reveal(), "new-secret");
  ASSERT_TRUE(api.rotate_service_token("abc", std::nullopt));
  ASSERT_TRUE(api.refresh_service_token("abc"));
  ASSERT_TRUE(api.delete_service_token("abc"));
  ASSERT_EQ(http.sent.size(), 4U);
  const std::string base = std::string("https://api.example.test/client/v4/accounts/") + kAccount + "/access/service_tokens/abc";
  EXPECT_EQ(http.sent[0].method, "POST");
  EXPECT_EQ(http.sent[0].url, base + "/rotate");
  EXPECT_EQ(Json::parse(http.sent[0].body), (Json{{"previous_client_secret_expires_at", "2031-02-03T04:05:06Z"}}));
  EXPECT_EQ(Json::parse(http.sent[1].body), Json::object()) << "no grace: the old secret dies at once";
  EXPECT_EQ(http.sent[2].url, base + "/refresh");
  EXPECT_TRUE(http.sent[2].body.empty()) << "refresh declares no request body";
  EXPECT_EQ(http.sent[3].method, "DELETE");
  EXPECT_EQ(http.sent[3].url, base);
}

// ---------------------------------------------------------------- GraphQL

TEST(CloudflareApi, GraphqlReturnsDataAndTurnsErrorsIntoErrors) {
  Json answer = {{"data", {{"viewer", {{"accounts", Json::array()}}}}}, {"errors", nullptr}};
  FakeHttp ok([&](const http::Request&) { return respond(200, answer.dump()); });
  ApiClient a(ok, settings());
  auto data = a.graphql("query { viewer { accounts { x } } }", {{"account", kAccount}});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, answer["data"]);
  EXPECT_TRUE(ok.sent.at(0).url.ends_with("/client/v4/graphql"));
  EXPECT_EQ(Json::parse(ok.sent.at(0).body)["variables"]["account"], kAccount);

  FakeHttp failing([](const http::Request&) {
    return respond(200, R"({"data": null, "errors": [{"message": "not authorized for that account", "path": ["viewer"]}]})");
  });
  ApiClient b(failing, settings());
  data = b.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::forbidden);
  EXPECT_NE(data.error().message.find("Account Analytics Read"), std::string::npos);

  FakeHttp syntax([](const http::Request&) {
    return respond(200, R"({"data": null, "errors": [{"message": "unknown field foo"}]})");
  });
  ApiClient c(syntax, settings());
  data = c.graphql("query { foo }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_NE(data.error().message.find("the GraphQL query failed: unknown field foo"), std::string::npos);

  FakeHttp envelope_error([](const http::Request&) { return failure(403, 9109, "Unauthorized"); });
  ApiClient d(envelope_error, settings());
  data = d.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::unauthorized);

  FakeHttp html([](const http::Request&) { return respond(200, "<html></html>"); });
  ApiClient e(html, settings());
  data = e.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::bad_response);
}

// ---------------------------------------------------------------- cache

ApiSettings cached(const std::string& dir, std::chrono::seconds ttl = 60s) {
  auto s = settings();
  s.cache.ttl = ttl;
  s.cache.dir = dir + "/cache/cfmon";
  return s;
}

TEST(CloudflareApiCache, ASecondReadWithinTheTtlSendsNothing) {
  testing::TempDir tmp;
  FakeTime time;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  {
    ApiClient api(http, cached(tmp.path()), time.hooks());
    ASSERT_TRUE(api.list_service_tokens({}));
    EXPECT_EQ(api.requests_sent(), 1U);
  }
  time.wall += 59s;
  ApiClient again(http, cached(tmp.path()), time.hooks());
  auto list = again.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 3U);
  EXPECT_EQ(again.requests_sent(), 0U);
  EXPECT_EQ(again.cache_hits(), 1U);
  EXPECT_EQ(http.count(), 1U);
}

TEST(CloudflareApiCache, AnExpiredEntryIsFetchedAgain) {
  testing::TempDir tmp;
  FakeTime time;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  ApiClient api(http, cached(tmp.path()), time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  time.wall += 60s;
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U);
  time.wall -= 3600s;  // the clock went back: the entry's age is unknowable
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 3U);
}

TEST(CloudflareApiCache, FilesArePrivateAndHoldNoToken) {
  testing::TempDir tmp;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_TRUE(api.list_service_tokens({}));
  const std::string dir = tmp.path() + "/cache/cfmon";
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U) << e.path();
    EXPECT_EQ(e.path().string().find(kToken), std::string::npos);
    std::ifstream in(e.path());
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content.find(kToken), std::string::npos) << e.path();
    if (e.path().extension() == ".json") ++entries;
    EXPECT_FALSE(e.path().filename().string().starts_with(".")) << "no temp file left behind";
  }
  EXPECT_EQ(entries, 1);
}

TEST(CloudflareApiCache, AnEntryWithFieldsOfTheWrongTypeIsAMissNotACrash) {
  // Another process (or a hand) may leave anything in the cache: a wrong type is a miss.
  testing::TempDir tmp;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  ASSERT_TRUE(ApiClient(http, cached(tmp.path())).list_service_tokens({}));
  const std::string dir = tmp.path() + "/cache/cfmon";
  for (const char* planted : {R"({"version":"1","request":1,"stored_at":"x","data":[]})",
                              R"({"version":1,"request":["a"],"stored_at":1,"data":[]})"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".json") std::ofstream(e.path(), std::ios::trunc) << planted;
    }
    const auto before = http.count();
    auto list = ApiClient(http, cached(tmp.path())).list_service_tokens({});
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(list->size(), 3U);
    EXPECT_EQ(http.count(), before + 1) << "asked the API again: " << planted;
  }
}

TEST(CloudflareApiCache, AnotherApiTokenOrAccountDoesNotShareEntries) {
  testing::TempDir tmp;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  {
    ApiClient api(http, cached(tmp.path()));
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  auto other_token = cached(tmp.path());
  other_token.credentials.api_token = Secret("another-token");
  ApiClient a(http, other_token);
  ASSERT_TRUE(a.list_service_tokens({}));
  EXPECT_EQ(a.requests_sent(), 1U);
  auto other_account = cached(tmp.path());
  other_account.credentials.account_id = "ffffffffffffffffffffffffffffffff";
  ApiClient b(http, other_account);
  ASSERT_TRUE(b.list_service_tokens({}));
  EXPECT_EQ(b.requests_sent(), 1U);
  ApiClient c(http, cached(tmp.path()));
  ASSERT_TRUE(c.list_service_tokens({"x", ""}));
  EXPECT_EQ(c.requests_sent(), 1U) << "another query is another entry";
}

TEST(CloudflareApiCache, WhatChangesTheTrustOfAnAnswerChangesItsScope) {
  testing::TempDir tmp;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  auto insecure = cached(tmp.path());
  insecure.insecure = true;  // -k
  {
    ApiClient api(http, insecure);
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  ApiClient again(http, insecure);
  ASSERT_TRUE(again.list_service_tokens({}));
  EXPECT_EQ(again.requests_sent(), 0U) << "the same settings share entries";
  // An answer fetched with -k never serves a verified run, and so on for each transport option.
  std::vector<ApiSettings> others(4, cached(tmp.path()));
  others[1].resolve = {"api.example.test:443:192.0.2.7"};
  others[2].ca_file = tmp.path() + "/ca.pem";
  others[3].base_url = "https://api.example.test/client/v4/other";
  for (const auto& s : others) {
    ApiClient api(http, s);
    ASSERT_TRUE(api.list_service_tokens({}));
    EXPECT_EQ(api.requests_sent(), 1U) << s.base_url << " insecure=" << s.insecure << " ca=" << s.ca_file;
  }
}

TEST(CloudflareApiCache, AWriteRemovesExpiredEntriesAndTheirLocks) {
  testing::TempDir tmp;
  FakeTime time;
  FakeHttp http([](const http::Request&) { return envelope(token_json(1)); });
  ApiClient api(http, cached(tmp.path()), time.hooks());
  const std::string dir = tmp.path() + "/cache/cfmon";
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(api.get_service_token("id-" + std::to_string(i)));  // one entry per id
    time.wall += 30s;
  }
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  // Entries older than the 60 s TTL are gone with their locks: at most the last 2-3 pairs.
  EXPECT_LE(files, 6U);
  EXPECT_GE(files, 2U);
}

TEST(CloudflareApiCache, AnotherScopesEntriesGoOnlyAfterTheLongestTtl) {
  testing::TempDir tmp;
  FakeTime time;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  auto other = cached(tmp.path(), 3600s);
  other.credentials.api_token = Secret("another-token");
  {
    ApiClient api(http, other, time.hooks());
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  auto entries = [&] {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/cache/cfmon")) {
      if (e.path().extension() == ".json") ++n;
    }
    return n;
  };
  ApiClient api(http, cached(tmp.path()), time.hooks());
  time.wall += 2h;  // the other entry is stale for us, but its TTL is unknown here
  ASSERT_TRUE(api.list_service_tokens({"a", ""}));
  EXPECT_EQ(entries(), 2U);
  time.wall += 23h;  // past the longest TTL a run may use (--cache-ttl 86400)
  ASSERT_TRUE(api.list_service_tokens({"b", ""}));
  EXPECT_EQ(entries(), 1U) << "only the newest entry of this scope is left";
}

TEST(CloudflareApiCache, FailuresAreNotCached) {
  testing::TempDir tmp;
  int calls = 0;
  FakeHttp http([&](const http::Request&) {
    return ++calls == 1 ? failure(500, 10001, "boom") : envelope(tokens(0, 1));
  });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_FALSE(api.list_service_tokens({}));
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U);
}

TEST(CloudflareApiCache, AWriteDropsTheCachedReads) {
  testing::TempDir tmp;
  FakeHttp http([](const http::Request& r) {
    if (r.method == "POST") return envelope(token_json(1));
    return envelope(tokens(0, 2));
  });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_TRUE(api.refresh_service_token("abc"));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 3U);
}

TEST(CloudflareApiCache, ConcurrentMissesAskTheApiOnce) {
  testing::TempDir tmp;
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  FakeHttp http([&](const http::Request&) {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(50ms);  // widen the window in which others miss too
    --in_flight;
    return envelope(tokens(0, 3));
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto s = cached(tmp.path());
      s.timeout = 30s;
      ApiClient api(http, s);
      auto list = api.list_service_tokens({});
      if (list && list->size() == 3U) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(http.count(), 1U);
  EXPECT_EQ(max_in_flight.load(), 1);
}

TEST(CloudflareApiCache, AnUnusableCacheDirectoryFallsBackToTheApi) {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/shared";
  ASSERT_EQ(::mkdir(dir.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  FakeTime time;
  auto s = settings();
  s.cache.ttl = 60s;
  s.cache.dir = dir;
  ApiClient api(http, s, time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U) << "a world-writable directory is not trusted";
  bool logged = false;
  for (const auto& line : time.log) logged = logged || line.find("not private") != std::string::npos;
  EXPECT_TRUE(logged);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(CloudflareApiCache, ACorruptEntryIsAMiss) {
  testing::TempDir tmp;
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_TRUE(api.list_service_tokens({}));
  for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/cache/cfmon")) {
    if (e.path().extension() == ".json") std::ofstream(e.path()) << "{\"version\":1,\"stor";
  }
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U);
}

// ---------------------------------------------------------------- credentials

TEST(CloudflareCredentials, ExplicitBeatsEnvFileBeatsEnvironment) {
  testing::TempDir tmp;
  const auto env_file = tmp.write(".env", "CF_API_TOKEN=from-file\nCF_ACCOUNT_ID=fileaccount\n");
  const auto token_file = tmp.write("token", "from-token-file\n");
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "CF_API_TOKEN") return "from-env";
    if (name == "CF_ACCOUNT_ID") return "envaccount";
    return std::nullopt;
  };
  auto c = resolve_api_credentials({}, env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_token.reveal(), "from-env");
  EXPECT_EQ(c->account_id, "envaccount");
  c = resolve_api_credentials({std::nullopt, std::nullopt, env_file}, env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_token.reveal(), "from-file");
  EXPECT_EQ(c->account_id, "fileaccount");
  c = resolve_api_credentials({token_file, std::string("argaccount"), env_file}, env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_token.reveal(), "from-token-file");
  EXPECT_EQ(c->account_id, "argaccount");
}

TEST(CloudflareCredentials, MissingPartsNameEveryPlaceLooked) {
  auto c = resolve_api_credentials({}, [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "missing Cloudflare API token (looked in --api-token-file, environment variable CF_API_TOKEN) and "
            "account ID (looked in --account-id, environment variable CF_ACCOUNT_ID)");
  testing::TempDir tmp;
  const auto empty = tmp.write("token", "\n");
  c = resolve_api_credentials({empty, std::string("a"), std::nullopt}, nullptr);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("is empty"), std::string::npos);
  const auto two_lines = tmp.write("token2", "secret-one\nsecret-two\n");
  c = resolve_api_credentials({two_lines, std::string("a"), std::nullopt}, nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message.find("secret-one"), std::string::npos);
}

TEST(CloudflareCredentials, DefaultCacheDirFollowsXdg) {
  auto env_of = [](std::map<std::string, std::string> values) -> EnvLookup {
    return [values](const std::string& name) -> std::optional<std::string> {
      auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  };
  EXPECT_EQ(default_cache_dir(env_of({{"XDG_CACHE_HOME", "/x/cache"}, {"HOME", "/home/u"}})), "/x/cache/cfmon");
  EXPECT_EQ(default_cache_dir(env_of({{"XDG_CACHE_HOME", "relative"}, {"HOME", "/home/u"}})), "/home/u/.cache/cfmon");
  EXPECT_EQ(default_cache_dir(env_of({})), "");
}

TEST(CloudflareSettings, ValidationRefusesWhatWouldLeakOrMisbehave) {
  auto s = settings();
  EXPECT_FALSE(validate_settings(s));
  s.base_url = "http://api.example.test/client/v4";
  ASSERT_TRUE(validate_settings(s));
  EXPECT_NE(validate_settings(s)->message.find("https://"), std::string::npos);
  s = settings();
  s.credentials.account_id = "abc/../def";
  EXPECT_TRUE(validate_settings(s));
  s = settings();
  s.credentials.api_token = Secret("abc\r\nX-Injected: 1");
  ASSERT_TRUE(validate_settings(s));
  EXPECT_EQ(validate_settings(s)->message.find("Injected"), std::string::npos);
}

TEST(CloudflareTime, Rfc3339AndGoDurations) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2030-01-01T02:00:00+02:00")), "2030-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2030-01-01t00:00:00.123456789z")), "2030-01-01T00:00:00Z");
  EXPECT_FALSE(parse_rfc3339("2030-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2030-01-01 00:00:00"));
  EXPECT_EQ(parse_go_duration("8760h"), std::chrono::hours(8760));
  EXPECT_EQ(parse_go_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_go_duration("300ms"), std::chrono::milliseconds(300));
  EXPECT_FALSE(parse_go_duration("forever"));
  EXPECT_FALSE(parse_go_duration("10"));
}

// Found by fuzz_api: Go's zero time ("never") and year-9999 expiries overflowed the
// nanosecond clock (undefined behaviour, a garbage date), as did huge rate-limit hints.
TEST(CloudflareTime, DatesBeyondTheClockAreClampedNotOverflowed) {
  EXPECT_EQ(parse_rfc3339("0001-01-01T00:00:00Z"), TimePoint::min());
  EXPECT_EQ(parse_rfc3339("9999-12-31T23:59:59.999Z"), TimePoint::max());
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2262-04-11T00:00:00Z")), "2262-04-11T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("1700-01-01T00:00:00+01:00")), "1699-12-31T23:00:00Z");
  Json t = token_json(1);
  t["last_seen_at"] = "0001-01-01T00:00:00Z";
  t["expires_at"] = "9999-12-31T23:59:59Z";
  const auto token = parse_service_token(t);
  ASSERT_TRUE(token);
  EXPECT_FALSE(token->last_seen_at) << "the zero time means never used";
  EXPECT_EQ(token->expires_at, TimePoint::max());
}

// Found by fuzz_api: the id of a broken token went raw into the one-line error.
TEST(CloudflareApi, AnIdFromTheAnswerIsPrintableInErrors) {
  Json t = token_json(1);
  t["id"] = "abc\nUNKNOWN - injected\x7f";
  t["expires_at"] = "soon\nOK - all fine";
  FakeHttp http([&](const http::Request&) { return envelope(t); });
  ApiClient api(http, settings());
  const auto token = api.get_service_token("00000001-0000-4000-8000-000000000000");
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().message.find_first_of("\n\x7f"), std::string::npos) << token.error().message;
}

TEST(CloudflareApi, HostileRateLimitHintsDoNotOverflow) {
  const TimePoint now = TimePoint{} + std::chrono::hours(24 * 365 * 55);
  const auto wait = [&](const char* header, const char* value) {
    return retry_after_of(respond(429, "", {{header, value}}), now);
  };
  const std::chrono::seconds a_year = std::chrono::hours(24 * 365);
  EXPECT_GE(wait("retry-after", "9223372036854775807"), a_year);
  EXPECT_GE(wait("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"), a_year);
  EXPECT_EQ(wait("retry-after", "Mon, 01 Jan 0001 00:00:00 GMT"), 0s);
  EXPECT_GE(wait("ratelimit", "\"default\";r=0;t=9223372036854775807"), a_year);
  EXPECT_GE(wait("x-ratelimit-reset", "9223372036854775807"), a_year);

  // And the client turns such a wait into a clear refusal, not an overflowed sleep.
  FakeTime time;
  FakeHttp http([](const http::Request&) { return respond(429, "", {{"retry-after", "9223372036854775807"}}); });
  ApiClient api(http, settings(), time.hooks());
  const auto r = api.list_service_tokens({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ApiErrorKind::rate_limited);
  EXPECT_TRUE(time.slept.empty());
}

}  // namespace
}  // namespace cfmon::cloudflare
