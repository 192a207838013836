#pragma once
// Proof that an answer came through the right Access application: the CF_Authorization
// cookie Access sets after admitting a service token is an RS256 JWT signed by the
// team's keys (https://<team>/cdn-cgi/access/certs, a JWK set). Checked here: the
// signature against the key of the token's `kid` (OpenSSL; only RS256, so a token that
// names another algorithm, "none" or HS256 with the public key as secret, is refused),
// `iss` = https://<team>, `aud` holding one of the expected AUD tags, `exp` (and `nbf`
// when present) against the clock, `common_name` = the service token's client ID.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/expected.hpp"
#include "cfmon/http.hpp"

namespace cfmon::access {

// base64url without padding (RFC 7515), as JWTs and JWKs use it; nullopt on a byte
// outside the alphabet.
std::optional<std::string> base64url_decode(std::string_view text);

// The RSA public keys of a JWK set, by `kid`. Keys that are not RSA signature keys, or
// are malformed, are skipped (a set may hold keys of other uses).
class TeamKeys {
 public:
  TeamKeys();
  ~TeamKeys();
  TeamKeys(TeamKeys&&) noexcept;
  TeamKeys& operator=(TeamKeys&&) noexcept;
  TeamKeys(const TeamKeys&) = delete;
  TeamKeys& operator=(const TeamKeys&) = delete;

  // {"keys": [{"kid", "kty": "RSA", "n", "e", ...}, ...]}; an error when no usable key.
  static Expected<TeamKeys> from_jwks(const nlohmann::json& jwks);

  [[nodiscard]] bool has(const std::string& kid) const;
  [[nodiscard]] std::size_t size() const;

 private:
  friend struct JwtVerifier;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct JwtExpectations {
  std::vector<std::string> audiences;  // one of them must be in `aud`
  std::string issuer;                  // "https://<team domain>"
  std::string client_id;               // `common_name` of a service-token login
  std::chrono::system_clock::time_point now;
  std::chrono::seconds leeway{60};  // clock skew allowed on exp and nbf
};

struct JwtCheck {
  enum class Outcome { valid, invalid, unknown_key };
  Outcome outcome = Outcome::invalid;
  std::string problem;  // why not valid, one line, never the token
  std::string kid;      // the token's key id (for unknown_key: fetch the keys again)
};

// Verifies `token` (header.payload.signature) against `keys` and `expect`.
JwtCheck verify_access_jwt(std::string_view token, const TeamKeys& keys, const JwtExpectations& expect);

// The value of the CF_Authorization cookie a response sets (the last one), if any.
std::optional<std::string> cf_authorization_cookie(const http::Response& response);

// --expect-aud and what goes with it.
struct JwtPolicy {
  std::vector<std::string> audiences;   // empty: no JWT check
  std::string team_domain;              // acme.cloudflareaccess.com
  int team_port = 0;                    // only to reach an emulator: certs from HOST:PORT
  bool optional = false;                // --jwt-optional: no cookie at all stays OK
  std::chrono::seconds cache_ttl{0};    // keep the team's keys on disk (0: fetch every run)
  std::vector<std::string> cache_dirs;  // the first usable holds them
  std::string trust;                    // http::trust_key: keys fetched with -k never serve a verified run
  std::size_t max_bytes = std::size_t{256} * 1024;

  [[nodiscard]] bool enabled() const { return !audiences.empty(); }
  [[nodiscard]] std::string certs_url() const {
    return "https://" + team_domain + (team_port != 0 ? ":" + std::to_string(team_port) : std::string()) +
           "/cdn-cgi/access/certs";
  }
};

// The team's keys for one run: from the cache when fresh, else fetched (no credential is
// sent); fetched again, once per run, when a token names a key the set lacks (Access
// rotates its keys every six weeks).
class TeamKeySource {
 public:
  TeamKeySource(const JwtPolicy& policy, http::Client& client, std::chrono::milliseconds timeout,
                std::chrono::steady_clock::time_point deadline, std::chrono::system_clock::time_point now);

  // nullptr with `problem` said when the keys cannot be had.
  const TeamKeys* keys(std::string* problem);
  const TeamKeys* refreshed(std::string* problem);

 private:
  Expected<TeamKeys> fetch();
  bool fetch_into_keys();  // false: problem_ says why

  const JwtPolicy& policy_;
  http::Client& client_;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::system_clock::time_point now_;
  std::optional<TeamKeys> keys_;
  std::string problem_;
  bool loaded_ = false;
  bool refreshed_ = false;
};

}  // namespace cfmon::access
