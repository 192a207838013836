#pragma once
// The pure parts of cf-service-token: which token a user means, how tokens are
// shown, and which .env keys hold a token's credentials.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/dotenv.hpp"
#include "cfmon/expected.hpp"

namespace cfmon::cli {

using cloudflare::ServiceTokenInfo;
using cloudflare::TimePoint;

enum class ResolveFailure { not_found, ambiguous };

struct ResolveError {
  ResolveFailure kind = ResolveFailure::not_found;
  std::string message;                  // one line; for ambiguous names it lists the candidates after it
  std::vector<std::string> candidates;  // "name  id  client_id", one per candidate
};

// A token by ID or client ID (exact, unique by construction), else by name.
// Several tokens with that name: ambiguous, listing each (name, id, client ID).
Expected<ServiceTokenInfo, ResolveError> resolve_token(const std::vector<ServiceTokenInfo>& tokens,
                                                       std::string_view ref);

// "in 364 days", "3 h ago", "in 12 min", "just now".
std::string relative_time(TimePoint when, TimePoint now);
// "in 364 days (2027-06-01)", "EXPIRED 3 days ago (2024-01-01)", "never" (no expiry).
std::string expires_text(const ServiceTokenInfo& token, TimePoint now);
// The expiry of a token created now with this Go duration (create and rotate answers
// carry no expires_at; Cloudflare counts the duration from the creation):
// "in 365 days (2027-06-01)", "never (forever)", "unknown (unreadable duration '…')".
// Past the clock's range (year 2262) it shows the last date it can.
std::string expiry_from_duration(std::string_view duration, TimePoint now);
// "2 h ago", "never".
std::string last_seen_text(const ServiceTokenInfo& token, TimePoint now);

// The `list` table: NAME, CLIENT ID, EXPIRES IN, LAST SEEN, ENABLED; one line per token.
std::string format_token_table(const std::vector<ServiceTokenInfo>& tokens, TimePoint now);
// The `list --json` array (never holds a secret: list answers have none).
nlohmann::json tokens_json(const std::vector<ServiceTokenInfo>& tokens);

// Names a token is stored under in a .env.
struct EnvKeys {
  std::string client_id;  // <prefix>CF_SERVICE_TOKEN_CLIENT_ID
  std::string secret;     // <prefix>CF_SERVICE_TOKEN_CLIENT_SECRET
};
EnvKeys default_env_keys(std::string_view prefix);

// The secret key paired with an ID key: the last "CLIENT_ID" becomes
// "CLIENT_SECRET" (CF_SERVICE_TOKEN_CLIENT_ID_NEW -> CF_SERVICE_TOKEN_CLIENT_SECRET_NEW);
// empty when the key has no "CLIENT_ID".
std::string secret_key_for(std::string_view id_key);

// Pairs of keys in `env` whose ID key holds client_id (ID keys contain "CLIENT_ID").
std::vector<EnvKeys> keys_holding(const DotenvMap& env, std::string_view client_id);

// Every key holding client_id, plus the paired secret keys: what `delete` removes.
std::vector<std::string> keys_to_remove(const DotenvMap& env, std::string_view client_id);

// Whether writing `keys` for client_id would overwrite another token's credentials:
// the ID key holds something else, or the secret key exists without our ID beside it.
// Returns a one-line description naming the key (and the other client ID), or "".
std::string overwrite_conflict(const DotenvMap& env, const EnvKeys& keys, std::string_view client_id);

// Control characters of server-supplied text shown on a terminal become '?' (cfmon::printable).
std::string printable(std::string_view text, std::size_t max_chars = 200);

}  // namespace cfmon::cli
