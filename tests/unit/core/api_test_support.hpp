#pragma once
// What the API client's tests share: a fake HTTP client, canned answers, a fake clock.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cfmon/cloudflare_api.hpp"
#include "support/fake_http.hpp"

namespace cfmon::cloudflare::test_support {

using Json = nlohmann::json;
using namespace std::chrono_literals;

inline constexpr const char* kToken = "canary-api-token-0123456789";
inline constexpr const char* kAccount = "0123456789abcdef0123456789abcdef";

// tests/support's fake client, held to one request at a time (the API client is sequential).
class FakeHttp : public cfmon::testing::FakeHttp {
 public:
  explicit FakeHttp(Answer answer) : cfmon::testing::FakeHttp(std::move(answer), 1) {}
};

inline http::Response respond(long status, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.body_bytes = r.body.size();
  r.headers = std::move(headers);
  return r;
}

inline http::Response envelope(Json result, Json result_info = nullptr, long status = 200) {
  Json body = {{"success", true}, {"errors", Json::array()}, {"messages", Json::array()}, {"result", result}};
  if (!result_info.is_null()) body["result_info"] = result_info;
  return respond(status, body.dump());
}

inline http::Response failure(long status, std::int64_t code, const std::string& message) {
  Json body = {{"success", false},
               {"errors", Json::array({{{"code", code}, {"message", message}}})},
               {"messages", Json::array()},
               {"result", nullptr}};
  return respond(status, body.dump());
}

inline Json token_json(int n) {
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

inline Json tokens(int from, int count) {
  Json array = Json::array();
  for (int i = from; i < from + count; ++i) array.push_back(token_json(i));
  return array;
}

// The page number a list request asks for.
inline int page_of(const http::Request& r) {
  const auto pos = r.url.find("page=");
  return pos == std::string::npos ? 0 : std::stoi(r.url.substr(pos + 5));
}

// A fake clock: sleeping advances it, nothing waits for real.
struct FakeTime {
  std::chrono::steady_clock::time_point steady{std::chrono::hours(1000)};
  TimePoint wall = TimePoint{} + std::chrono::hours(24 * 365 * 55);
  std::vector<std::chrono::milliseconds> slept;
  std::vector<std::string> log;
  std::vector<std::string> warnings;

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
    h.warn = [this](std::string_view line) { warnings.emplace_back(line); };
    return h;
  }
};

inline ApiSettings settings(unsigned per_page = 100) {
  ApiSettings s;
  s.base_url = "https://api.example.test/client/v4";
  s.credentials.account_id = kAccount;
  s.credentials.api_token = Secret(kToken);
  s.per_page = per_page;
  s.timeout = 10s;
  return s;
}

}  // namespace cfmon::cloudflare::test_support
