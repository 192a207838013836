#pragma once
// In-memory Access service tokens, shared by the edge (which checks them on every
// request) and, later, the v4 API emulator (which lists, creates, rotates, refreshes,
// enables/disables and deletes them). Every method is thread-safe and returns copies,
// so callers never hold references into the store across a concurrent update.
#include <cstddef>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "time_format.hpp"

namespace cfmon::emulator {

struct ServiceToken {
  std::string id;  // UUID
  std::string name;
  std::string client_id;                // "<32 hex>.access"
  std::string client_secret;            // "<64 hex>"
  std::string duration = "8760h";       // Go duration or "forever"
  std::optional<TimePoint> expires_at;  // nullopt = never expires
  // Secret before the last rotation, still accepted until previous_secret_expires_at.
  std::string previous_client_secret;
  std::optional<TimePoint> previous_secret_expires_at;
  TimePoint created_at{};
  TimePoint updated_at{};
  bool enabled = true;
  // Last successful authentication at the edge (the API's last_seen_at); nullopt = never.
  std::optional<TimePoint> last_seen_at;
};

// Why a presented token was (not) accepted; the order of checks is documented in check().
enum class TokenStatus { valid, unknown_client_id, wrong_secret, disabled, expired };

// "valid", "unknown_client_id", "wrong_secret", "disabled", "expired".
std::string_view token_status_name(TokenStatus status) noexcept;

struct TokenCheck {
  TokenStatus status = TokenStatus::unknown_client_id;
  std::string token_id;  // empty when the client_id is unknown
  [[nodiscard]] bool valid() const noexcept { return status == TokenStatus::valid; }
};

// Expiry for a token of `duration` issued at `from`: nullopt for "forever"; an
// unparsable duration is reported as false in `ok`.
struct ExpiryResult {
  bool ok = false;
  std::optional<TimePoint> expires_at;
};
ExpiryResult expiry_for_duration(std::string_view duration, TimePoint from);

class TokenStore {
 public:
  // Adds a token as given (from the config file). False if its id or client_id is taken.
  bool insert(ServiceToken token);

  // Creates a token with fresh id, client_id and secret, like POST .../service_tokens.
  // nullopt if `duration` is neither a Go duration nor "forever".
  std::optional<ServiceToken> create(std::string name, std::string duration, TimePoint now);

  [[nodiscard]] std::optional<ServiceToken> get(std::string_view id) const;
  [[nodiscard]] std::optional<ServiceToken> find_by_client_id(std::string_view client_id) const;
  [[nodiscard]] std::vector<ServiceToken> list() const;  // creation order
  [[nodiscard]] std::size_t size() const;

  // New secret, same id and client_id. The old secret stays valid until
  // previous_secret_expires_at; without it the old secret dies immediately.
  std::optional<ServiceToken> rotate(std::string_view id, std::optional<TimePoint> previous_secret_expires_at,
                                     TimePoint now);

  // Extends the expiry to now + duration (a "forever" token stays without expiry).
  std::optional<ServiceToken> refresh(std::string_view id, TimePoint now);

  std::optional<ServiceToken> set_enabled(std::string_view id, bool enabled, TimePoint now);

  // Generic edit for the API's PUT; id and client_id cannot be changed through it.
  std::optional<ServiceToken> update(std::string_view id, const std::function<void(ServiceToken&)>& edit,
                                     TimePoint now);

  // Records a successful authentication (last_seen_at); unknown ids are ignored.
  void mark_seen(std::string_view id, TimePoint now);

  // Deletes (= revokes) a token and returns what was deleted.
  std::optional<ServiceToken> remove(std::string_view id);

  // The edge's question: does this client_id/secret pair authenticate right now?
  // Checks, in order: known client_id, secret (current, or previous within its grace
  // period), enabled, not expired. The secret comes first so a wrong secret never
  // reveals whether a token is disabled or expired.
  [[nodiscard]] TokenCheck check(std::string_view client_id, std::string_view secret, TimePoint now) const;

 private:
  // Callers hold the lock.
  ServiceToken* find_locked(std::string_view id);
  [[nodiscard]] const ServiceToken* find_client_locked(std::string_view client_id) const;

  mutable std::shared_mutex mutex_;
  std::vector<ServiceToken> tokens_;  // few tokens: a vector keeps creation order simply
};

}  // namespace cfmon::emulator
