#pragma once
// Every service-token authentication attempt the edge saw. The edge appends; a later
// GraphQL emulator (accessLoginRequestsAdaptiveGroups) reads it, so the fields mirror
// that dataset's dimensions. Thread-safe; bounded so a long soak cannot exhaust memory.
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "time_format.hpp"

namespace cfmon::emulator {

struct AuthEvent {
  TimePoint datetime{};
  std::string client_id;  // as presented (never the secret); may be empty or unknown
  std::string token_id;   // the token's id when the client_id is known, else empty
  bool success = false;   // token valid AND a Service Auth policy of the app names it
  // False when half a pair or unparsable JSON was sent. Strict orgs log only failures
  // with a known client id and well-formed headers: a GraphQL emulator filters on this.
  bool well_formed = true;
  std::string source_ip;
  std::string cf_ray;  // "<16 hex>-<COLO>", the same value the response carried
  std::string app_host;
  // "nonidentity" for a service token; an identity login (injected only) names its
  // provider ("github", ...) and has no token_id.
  std::string identity_provider = "nonidentity";
};

class AuthLog {
 public:
  explicit AuthLog(std::size_t max_events = 100000) : max_events_(max_events) {}

  // Appends; beyond max_events the oldest event is dropped.
  void record(AuthEvent event);

  // A copy, oldest first.
  [[nodiscard]] std::vector<AuthEvent> snapshot() const;
  [[nodiscard]] std::size_t size() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::deque<AuthEvent> events_;
  std::size_t max_events_;
};

}  // namespace cfmon::emulator
