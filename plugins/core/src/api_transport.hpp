#pragma once
// The API client's transport (internal): one request at a time with the API token as
// a redacted header, the 429 / Retry-After loop inside the operation's deadline, the
// v4 envelope every answer goes through, and pagination.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api_errors.hpp"
#include "cfmon/cloudflare_api.hpp"
#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/cloudflare_settings.hpp"
#include "cfmon/http.hpp"

namespace cfmon::cloudflare::internal {

using SteadyPoint = std::chrono::steady_clock::time_point;

// A budget as people write it: "10", "2.5".
std::string budget_text(std::chrono::milliseconds budget);

// Lower case (ASCII).
std::string lower(std::string_view s);

// Wipes a string that held a secret (response bodies of create/rotate).
void wipe(std::string& s);

// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json members; their moves do not throw.
struct Envelope {
  nlohmann::json result;
  nlohmann::json result_info;
  std::size_t bytes = 0;  // of the body it came in
};

// How a paginated list names itself in errors.
struct ListWords {
  std::string_view list;        // "service token list"
  std::string_view short_list;  // "token list"
  std::string_view items;       // "tokens"
  std::string_view plural;      // "service tokens"
};

class Transport {
 public:
  // Empty clocks of `hooks` become the real ones.
  Transport(http::Client& http, ApiSettings settings, ApiHooks hooks);

  [[nodiscard]] const ApiSettings& settings() const { return settings_; }
  [[nodiscard]] const ApiHooks& hooks() const { return hooks_; }
  [[nodiscard]] const std::string& base() const { return base_; }
  [[nodiscard]] std::size_t sent() const noexcept { return sent_.load(); }
  [[nodiscard]] std::optional<ApiBudget> budget() const {
    const std::lock_guard<std::mutex> lock(budget_mutex_);
    return budget_;
  }
  void log(const std::string& line) const;

  // One operation's deadline, never past the run's (settings.deadline).
  [[nodiscard]] SteadyPoint deadline() const;

  // One HTTP exchange, with 429 waits that fit before `deadline`. Returns the raw
  // response (any status) or a transport/timeout/rate-limit error.
  ApiResult<http::Response> exchange(const std::string& method, const std::string& url, const std::string& body,
                                     SteadyPoint deadline);

  // The envelope checks every answer goes through.
  ApiResult<Envelope> envelope_of(http::Response& response, const Op& op) const;

  // exchange() then envelope_of(); the body is wiped (create/rotate bodies hold a secret).
  ApiResult<Envelope> call(const std::string& method, const std::string& url, const std::string& body, const Op& op,
                           SteadyPoint deadline);

  // Every page of `url` (a list endpoint; `query` its filters, "&name=..."), each item
  // passed through `keep`, into one array. Stops on a short page, on
  // count/total_count/total_pages, and at the caps of the settings.
  ApiResult<nlohmann::json> list_all(const std::string& url, const std::string& query, const Op& op,
                                     SteadyPoint deadline, const ListWords& words,
                                     const std::function<nlohmann::json(nlohmann::json&&)>& keep);

  static ApiError too_deep_error(long status);

 private:
  http::Request make_request(const std::string& method, const std::string& url, std::string body,
                             std::chrono::milliseconds timeout) const;

  http::Client& http_;
  ApiSettings settings_;
  ApiHooks hooks_;
  std::string base_;  // base_url without trailing '/'
  std::atomic<std::size_t> sent_{0};
  mutable std::mutex budget_mutex_;
  std::optional<ApiBudget> budget_;  // the lowest seen, guarded by budget_mutex_
};

}  // namespace cfmon::cloudflare::internal
