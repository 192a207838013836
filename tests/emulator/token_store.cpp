#include "token_store.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <mutex>

#include "cfmon/tables.hpp"
#include "random_text.hpp"

namespace cfmon::emulator {
namespace {

// Constant time, so the emulator does not teach timing attacks by example.
bool secrets_equal(std::string_view expected, std::string_view presented) {
  return !expected.empty() && expected.size() == presented.size() &&
         CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

bool secret_matches(const ServiceToken& token, std::string_view presented, TimePoint now) {
  if (secrets_equal(token.client_secret, presented)) return true;
  return token.previous_secret_expires_at && now < *token.previous_secret_expires_at &&
         secrets_equal(token.previous_client_secret, presented);
}

constexpr cfmon::EnumNames<TokenStatus, 5> kTokenStatusNames{
    {"valid", "unknown_client_id", "wrong_secret", "disabled", "expired"}};
static_assert(kTokenStatusNames.ends_with(TokenStatus::expired));

}  // namespace

std::string_view token_status_name(TokenStatus status) noexcept {
  return kTokenStatusNames(status, "unknown_client_id");
}

ExpiryResult expiry_for_duration(std::string_view duration, TimePoint from) {
  if (duration == "forever") return {true, std::nullopt};
  const auto length = parse_go_duration(duration);
  if (!length) return {false, std::nullopt};
  return {true, from + std::chrono::duration_cast<Clock::duration>(*length)};
}

bool TokenStore::insert(ServiceToken token) {
  std::unique_lock lock(mutex_);
  if (find_locked(token.id) != nullptr || find_client_locked(token.client_id) != nullptr) {
    return false;
  }
  tokens_.push_back(std::move(token));
  return true;
}

std::optional<ServiceToken> TokenStore::create(std::string name, std::string duration, TimePoint now) {
  const auto expiry = expiry_for_duration(duration, now);
  if (!expiry.ok) return std::nullopt;
  ServiceToken token;
  token.id = random_uuid();
  token.name = std::move(name);
  token.client_id = random_client_id();
  token.client_secret = random_client_secret();
  token.duration = std::move(duration);
  token.expires_at = expiry.expires_at;
  token.created_at = now;
  token.updated_at = now;
  std::unique_lock lock(mutex_);
  tokens_.push_back(token);
  return token;
}

std::optional<ServiceToken> TokenStore::get(std::string_view id) const {
  std::shared_lock lock(mutex_);
  const auto it = std::find_if(tokens_.begin(), tokens_.end(), [&](const ServiceToken& t) { return t.id == id; });
  if (it == tokens_.end()) return std::nullopt;
  return *it;
}

std::optional<ServiceToken> TokenStore::find_by_client_id(std::string_view client_id) const {
  std::shared_lock lock(mutex_);
  const ServiceToken* token = find_client_locked(client_id);
  if (token == nullptr) return std::nullopt;
  return *token;
}

std::vector<ServiceToken> TokenStore::list() const {
  std::shared_lock lock(mutex_);
  return tokens_;
}

std::size_t TokenStore::size() const {
  std::shared_lock lock(mutex_);
  return tokens_.size();
}

std::optional<ServiceToken> TokenStore::rotate(std::string_view id, std::optional<TimePoint> previous_secret_expires_at,
                                               TimePoint now) {
  return update(
      id,
      [&](ServiceToken& token) {
        token.previous_client_secret = token.client_secret;
        token.previous_secret_expires_at = previous_secret_expires_at;
        if (!previous_secret_expires_at) token.previous_client_secret.clear();
        token.client_secret = random_client_secret();
      },
      now);
}

std::optional<ServiceToken> TokenStore::refresh(std::string_view id, TimePoint now) {
  return update(
      id,
      [&](ServiceToken& token) {
        const auto expiry = expiry_for_duration(token.duration, now);
        // A token whose duration text is unusable gets Cloudflare's default year.
        token.expires_at = expiry.ok ? expiry.expires_at : std::optional<TimePoint>(now + std::chrono::hours(8760));
      },
      now);
}

std::optional<ServiceToken> TokenStore::set_enabled(std::string_view id, bool enabled, TimePoint now) {
  return update(
      id, [&](ServiceToken& token) { token.enabled = enabled; }, now);
}

std::optional<ServiceToken> TokenStore::update(std::string_view id, const std::function<void(ServiceToken&)>& edit,
                                               TimePoint now) {
  std::unique_lock lock(mutex_);
  ServiceToken* token = find_locked(id);
  if (token == nullptr) return std::nullopt;
  ServiceToken edited = *token;
  edit(edited);
  edited.id = token->id;  // identity is not editable
  edited.client_id = token->client_id;
  edited.updated_at = now;
  *token = std::move(edited);
  return *token;
}

void TokenStore::mark_seen(std::string_view id, TimePoint now) {
  std::unique_lock lock(mutex_);
  if (ServiceToken* token = find_locked(id)) token->last_seen_at = now;
}

std::optional<ServiceToken> TokenStore::remove(std::string_view id) {
  std::unique_lock lock(mutex_);
  const auto it = std::find_if(tokens_.begin(), tokens_.end(), [&](const ServiceToken& t) { return t.id == id; });
  if (it == tokens_.end()) return std::nullopt;
  ServiceToken removed = std::move(*it);
  tokens_.erase(it);
  return removed;
}

TokenCheck TokenStore::check(std::string_view client_id, std::string_view secret, TimePoint now) const {
  std::shared_lock lock(mutex_);
  const ServiceToken* token = find_client_locked(client_id);
  if (token == nullptr) return {TokenStatus::unknown_client_id, {}};
  if (!secret_matches(*token, secret, now)) return {TokenStatus::wrong_secret, token->id};
  if (!token->enabled) return {TokenStatus::disabled, token->id};
  if (token->expires_at && now >= *token->expires_at) return {TokenStatus::expired, token->id};
  return {TokenStatus::valid, token->id};
}

ServiceToken* TokenStore::find_locked(std::string_view id) {
  const auto it = std::find_if(tokens_.begin(), tokens_.end(), [&](const ServiceToken& t) { return t.id == id; });
  return it == tokens_.end() ? nullptr : &*it;
}

const ServiceToken* TokenStore::find_client_locked(std::string_view client_id) const {
  if (client_id.empty()) return nullptr;
  const auto it =
      std::find_if(tokens_.begin(), tokens_.end(), [&](const ServiceToken& t) { return t.client_id == client_id; });
  return it == tokens_.end() ? nullptr : &*it;
}

}  // namespace cfmon::emulator
