#pragma once
// The Cloudflare v4 REST API for service tokens (docs/cloudflare-access.md §2), over
// the same TokenStore the edge checks: a token created here is accepted by the edge,
// a rotation retires the old secret (at once or after its grace), a deletion makes
// the edge refuse it. Time comes from a ControlledClock shared with the edge, so
// tests can move both forward together (expiry, grace periods, idle days).
//
// Beyond the happy path it emulates bearer authentication and its errors, the
// permission-filter behaviour (an API token without read permission sees an empty
// list), per_page as the schema bounds it, a rate limit per user with Cloudflare's
// headers, switchable faults, a schema-strict mode, and a contract mode that checks
// every exchange against Cloudflare's published schema (tests/contract/). Control endpoints under /__emulator/ (no
// auth: a test tool on loopback) set faults, the clock and the rate limit and report request counts.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "access_apps.hpp"
#include "auth_log.hpp"
#include "config.hpp"
#include "contract.hpp"
#include "edge.hpp"
#include "time_format.hpp"
#include "token_store.hpp"
#include "tunnels.hpp"

namespace cfmon::emulator {

// The system clock plus an offset tests can change while the server runs.
class ControlledClock {
 public:
  explicit ControlledClock(std::chrono::seconds offset = std::chrono::seconds{0}) : offset_s_(offset.count()) {}
  [[nodiscard]] TimePoint now() const { return Clock::now() + std::chrono::seconds(offset_s_.load()); }
  [[nodiscard]] std::chrono::seconds offset() const { return std::chrono::seconds(offset_s_.load()); }
  void set_offset(std::chrono::seconds offset) { offset_s_.store(offset.count()); }

 private:
  std::atomic<std::int64_t> offset_s_;
};

struct ApiHttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query as sent
  HeaderList headers;
  std::string body;

  [[nodiscard]] const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

struct ApiHttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // answer this much later (fault "slow")
  std::string verdict;                 // for the -v log: "list 3", "rate_limited", ...
  bool off_contract = false;           // a deliberate fault or the rate limiter: not the schema's answer

  [[nodiscard]] const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

class ApiEmulator {
 public:
  ApiEmulator(ApiConfig config, std::shared_ptr<TokenStore> tokens, std::shared_ptr<ControlledClock> clock);

  [[nodiscard]] const std::string& host() const { return config_.host; }

  // Everything sent to the API host: /client/v4/... and /__emulator/...
  ApiHttpResponse handle(const ApiHttpRequest& request);

  // What the control endpoints do, for in-process tests.
  void set_fault(ApiFault fault, std::optional<std::string> api_token_name = std::nullopt);
  void set_rate_limit(int requests, int window_seconds);
  [[nodiscard]] std::size_t api_requests() const;
  // Where POST /graphql reads login events and /__emulator/login-events adds them
  // (the edge's log); without it GraphQL answers an empty dataset.
  void set_auth_log(std::shared_ptr<AuthLog> log);
  // Access applications and policies: GET /accounts/{id}/access/apps..., .../access/policies...,
  // and the admin endpoints /__emulator/access/... (the edge reads the same directory).
  void set_access_directory(std::shared_ptr<AccessDirectory> access);
  // Schema-minimal answers (ApiConfig::schema_strict); also POST /__emulator/schema.
  void set_schema_strict(bool strict) { schema_strict_.store(strict); }
  // The tunnels served under /accounts/{id}/cfd_tunnel and changed by /__emulator/tunnels.
  void set_tunnels(std::shared_ptr<TunnelStore> tunnels);

  // Contract mode: every request to a path of the schema, and every answer but
  // deliberate faults and 429s, is checked against `contract`; each violation is kept
  // (GET /__emulator/contract) and, with a `record_path`, appended to that file as one
  // JSON line {"exchange", "problem"}.
  void set_contract(std::shared_ptr<const contract::Contract> contract, std::string record_path = {});
  struct ContractReport {
    std::size_t checked = 0;
    std::vector<std::string> violations;
  };
  [[nodiscard]] ContractReport contract_report() const;

 private:
  struct Window {
    TimePoint start{};
    int used = 0;
  };

  ApiHttpResponse control(const ApiHttpRequest& request, std::string_view path);
  ApiHttpResponse api(const ApiHttpRequest& request, std::string_view path, std::string_view query);
  void check_contract(const ApiHttpRequest& request, const ApiHttpResponse& response);

  ApiConfig config_;
  std::shared_ptr<TokenStore> tokens_;
  std::shared_ptr<ControlledClock> clock_;
  std::shared_ptr<AuthLog> auth_log_ = std::make_shared<AuthLog>();
  std::shared_ptr<AccessDirectory> access_;  // set before serving; none: no Access apps
  std::shared_ptr<TunnelStore> tunnels_;     // set before serving; none: no tunnels
  std::atomic<bool> schema_strict_;
  std::shared_ptr<const contract::Contract> contract_;  // set before serving
  std::string contract_record_;

  mutable std::mutex mutex_;  // guards everything below
  ApiFault global_fault_ = ApiFault::none;
  std::optional<std::string> global_fault_token_;  // only this API token (by name)
  std::chrono::milliseconds slow_delay_;
  int rate_requests_;
  int rate_window_seconds_;
  std::map<std::string, Window> windows_;  // by user (ApiTokenConfig::user)
  ContractReport contract_report_;
  std::size_t api_requests_ = 0;
  std::map<std::string, std::size_t> requests_by_token_;
};

}  // namespace cfmon::emulator
