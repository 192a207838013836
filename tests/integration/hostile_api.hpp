#pragma once
// A hostile Cloudflare API for end-to-end tests of the API checks: an HTTPS server on
// 127.0.0.1 (its own throw-away CA) that answers every service-token list and every
// GraphQL query with whatever body the test set, after an optional delay. Unlike the
// emulator it never tries to be right: deep nesting, wrong types, absurd counts.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness.hpp"

namespace cfmon::testing {

class HostileApi {
 public:
  HostileApi();
  ~HostileApi();
  HostileApi(const HostileApi&) = delete;
  HostileApi& operator=(const HostileApi&) = delete;

  // Bodies (HTTP 200, application/json) of GET …/access/service_tokens (every page) and POST /graphql.
  void set_list_body(std::string body);
  void set_graphql_body(std::string body);
  // Each answer waits this long first.
  void set_delay(std::chrono::milliseconds delay);

  // --api-url, --resolve and --ca-file for a check.
  [[nodiscard]] std::vector<std::string> api_args() const;
  [[nodiscard]] std::size_t requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `depth` nested arrays around nothing: "[[[…]]]", 2·depth bytes.
std::string nested_arrays(std::size_t depth);

// A v4 envelope (success) around `result`, which is JSON text.
std::string v4_success(const std::string& result);

// Runs `program` against `api` with a fake API token and account; the token never shows.
RunResult run_against(const HostileApi& api, const std::string& program, std::vector<std::string> args,
                      std::chrono::milliseconds hard_limit = std::chrono::seconds(60));

}  // namespace cfmon::testing
