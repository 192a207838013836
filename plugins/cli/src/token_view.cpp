#include "token_view.hpp"

#include <algorithm>
#include <set>

#include "cfmon/printable.hpp"

namespace cfmon::cli {

std::string printable(std::string_view text, std::size_t max_chars) {
  return cfmon::printable(text, max_chars);
}

namespace {

std::string candidate_line(const ServiceTokenInfo& t) {
  return printable(t.name, 80) + "  " + printable(t.id, 80) + "  " + printable(t.client_id, 80);
}

std::string date_of(TimePoint t) {
  return cloudflare::format_rfc3339(t).substr(0, 10);
}

}  // namespace

Expected<ServiceTokenInfo, ResolveError> resolve_token(const std::vector<ServiceTokenInfo>& tokens,
                                                       std::string_view ref) {
  // IDs and client IDs are unique, so an exact one never needs disambiguation.
  for (const auto& t : tokens) {
    if (t.id == ref || t.client_id == ref) return t;
  }
  std::vector<const ServiceTokenInfo*> named;
  for (const auto& t : tokens) {
    if (t.name == ref) named.push_back(&t);
  }
  if (named.size() == 1) return *named.front();
  ResolveError error;
  if (named.empty()) {
    error.kind = ResolveFailure::not_found;
    error.message = "no service token with the name, ID or client ID '" + printable(ref, 120) + "'";
    return error;
  }
  error.kind = ResolveFailure::ambiguous;
  error.message = std::to_string(named.size()) + " service tokens are named '" + printable(ref, 120) +
                  "'; give the ID or client ID of one:";
  for (const auto* t : named) error.candidates.push_back(candidate_line(*t));
  return error;
}

std::string relative_time(TimePoint when, TimePoint now) {
  using namespace std::chrono;
  const bool future = when >= now;
  const auto span = duration_cast<seconds>(future ? when - now : now - when).count();
  std::string amount;
  if (span < 60) return "just now";
  if (span < 2L * 3600) {
    amount = std::to_string(span / 60) + " min";
  } else if (span < 2L * 86400) {
    amount = std::to_string(span / 3600) + " h";
  } else {
    amount = std::to_string(span / 86400) + " days";
  }
  return future ? "in " + amount : amount + " ago";
}

std::string expires_text(const ServiceTokenInfo& token, TimePoint now) {
  if (!token.expires_at) return token.duration == "forever" ? "never (forever)" : "never";
  const std::string date = " (" + date_of(*token.expires_at) + ")";
  if (*token.expires_at <= now) return "EXPIRED " + relative_time(*token.expires_at, now) + date;
  return relative_time(*token.expires_at, now) + date;
}

std::string expiry_from_duration(std::string_view duration, TimePoint now) {
  if (duration == "forever") return "never (forever)";
  const auto span = cloudflare::parse_go_duration(duration);
  if (!span || span->count() < 0) return "unknown (unreadable duration '" + printable(duration, 40) + "')";
  const auto room = TimePoint::max() - now;
  const TimePoint at = *span >= room ? TimePoint::max() : now + std::chrono::duration_cast<TimePoint::duration>(*span);
  return relative_time(at, now) + " (" + date_of(at) + ")";
}

std::string last_seen_text(const ServiceTokenInfo& token, TimePoint now) {
  if (!token.last_seen_at) return "never";
  return relative_time(*token.last_seen_at, now);
}

std::string format_token_table(const std::vector<ServiceTokenInfo>& tokens, TimePoint now) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "CLIENT ID", "EXPIRES IN", "LAST SEEN", "ENABLED"});
  for (const auto& t : tokens) {
    rows.push_back({printable(t.name, 80), printable(t.client_id, 80), expires_text(t, now), last_seen_text(t, now),
                    t.enabled ? "yes" : "NO"});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

nlohmann::json tokens_json(const std::vector<ServiceTokenInfo>& tokens) {
  auto time_or_null = [](const std::optional<TimePoint>& t) -> nlohmann::json {
    return t ? nlohmann::json(cloudflare::format_rfc3339(*t)) : nlohmann::json(nullptr);
  };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : tokens) {
    out.push_back({{"id", t.id},
                   {"name", t.name},
                   {"client_id", t.client_id},
                   {"duration", t.duration},
                   {"expires_at", time_or_null(t.expires_at)},
                   {"created_at", time_or_null(t.created_at)},
                   {"updated_at", time_or_null(t.updated_at)},
                   {"last_seen_at", time_or_null(t.last_seen_at)},
                   {"enabled", t.enabled}});
  }
  return out;
}

EnvKeys default_env_keys(std::string_view prefix) {
  return EnvKeys{std::string(prefix) + "CF_SERVICE_TOKEN_CLIENT_ID",
                 std::string(prefix) + "CF_SERVICE_TOKEN_CLIENT_SECRET"};
}

std::string secret_key_for(std::string_view id_key) {
  constexpr std::string_view id = "CLIENT_ID";
  const auto at = id_key.rfind(id);
  if (at == std::string_view::npos) return {};
  return std::string(id_key.substr(0, at)) + "CLIENT_SECRET" + std::string(id_key.substr(at + id.size()));
}

std::vector<EnvKeys> keys_holding(const DotenvMap& env, std::string_view client_id) {
  std::vector<EnvKeys> out;
  for (const auto& [key, value] : env) {
    if (value != client_id) continue;
    std::string secret = secret_key_for(key);
    if (!secret.empty()) out.push_back(EnvKeys{key, std::move(secret)});
  }
  return out;
}

std::vector<std::string> keys_to_remove(const DotenvMap& env, std::string_view client_id) {
  std::set<std::string> keys;
  for (const auto& [key, value] : env) {
    if (value != client_id) continue;
    keys.insert(key);
    const std::string secret = secret_key_for(key);
    if (!secret.empty() && env.count(secret) != 0U) keys.insert(secret);
  }
  return {keys.begin(), keys.end()};
}

std::string overwrite_conflict(const DotenvMap& env, const EnvKeys& keys, std::string_view client_id) {
  const auto id = env.find(keys.client_id);
  if (id != env.end() && !id->second.empty() && id->second != client_id) {
    // Client IDs are not secrets: naming it tells the user which token would lose its secret.
    return keys.client_id + " holds another token's client ID (" + printable(id->second, 80) + ")";
  }
  const auto secret = env.find(keys.secret);
  if ((id == env.end() || id->second.empty()) && secret != env.end() && !secret->second.empty()) {
    return keys.secret + " holds a secret without " + keys.client_id + " beside it";
  }
  return {};
}

}  // namespace cfmon::cli
