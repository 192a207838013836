#include "access_jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cctype>

#include "cfmon/cache_store.hpp"
#include "cfmon/printable.hpp"

namespace cfmon::access {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BnFree {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};

// Smaller RSA keys are not what Access signs with, and too weak to trust.
constexpr int kMinRsaBits = 2048;

BnPtr big_number(const std::string& bytes) {
  return BnPtr(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

PkeyPtr rsa_public_key(const std::string& n, const std::string& e) {
  const BnPtr modulus = big_number(n);
  const BnPtr exponent = big_number(e);
  if (!modulus || !exponent) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> build(OSSL_PARAM_BLD_new());
  if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  PkeyPtr key(raw);
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) return nullptr;
  return key;
}

const std::string* string_field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

std::optional<long long> seconds_field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  const double value = it->get<double>();
  if (!(value > -1e15 && value < 1e15)) return std::nullopt;
  return static_cast<long long>(value);
}

JwtCheck invalid(std::string problem, std::string kid = {}) {
  return JwtCheck{JwtCheck::Outcome::invalid, std::move(problem), std::move(kid)};
}

// A value the token chose, made safe for a one-line message.
std::string in_quotes(std::string_view value) {
  return "'" + printable(value, 80) + "'";
}

}  // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;  // also '=', '+', '/': base64url carries no padding
    }
  }
  if (standard.size() % 4 == 1) return std::nullopt;
  const std::size_t padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(standard.data()), static_cast<int>(standard.size()));
  if (written < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

struct TeamKeys::Impl {
  std::map<std::string, PkeyPtr> keys;
};

TeamKeys::TeamKeys() : impl_(std::make_unique<Impl>()) {}
TeamKeys::~TeamKeys() = default;
TeamKeys::TeamKeys(TeamKeys&&) noexcept = default;
TeamKeys& TeamKeys::operator=(TeamKeys&&) noexcept = default;

bool TeamKeys::has(const std::string& kid) const {
  return impl_->keys.count(kid) != 0;
}

std::size_t TeamKeys::size() const {
  return impl_->keys.size();
}

Expected<TeamKeys> TeamKeys::from_jwks(const nlohmann::json& jwks) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks.at("keys").is_array()) {
    return make_error("the team's certs are not a JWK set (no \"keys\" array)");
  }
  TeamKeys set;
  for (const auto& jwk : jwks.at("keys")) {
    if (!jwk.is_object()) continue;
    const auto* kid = string_field(jwk, "kid");
    const auto* kty = string_field(jwk, "kty");
    const auto* n = string_field(jwk, "n");
    const auto* e = string_field(jwk, "e");
    const auto* alg = string_field(jwk, "alg");
    const auto* use = string_field(jwk, "use");
    if (kid == nullptr || kid->empty() || kty == nullptr || *kty != "RSA" || n == nullptr || e == nullptr) continue;
    if ((alg != nullptr && *alg != "RS256") || (use != nullptr && *use != "sig")) continue;
    const auto modulus = base64url_decode(*n);
    const auto exponent = base64url_decode(*e);
    if (!modulus || !exponent) continue;
    if (auto key = rsa_public_key(*modulus, *exponent)) set.impl_->keys[*kid] = std::move(key);
  }
  if (set.size() == 0) return make_error("the team's certs hold no usable RS256 key");
  return set;
}

struct JwtVerifier {
  static EVP_PKEY* key(const TeamKeys& keys, const std::string& kid) {
    const auto it = keys.impl_->keys.find(kid);
    return it == keys.impl_->keys.end() ? nullptr : it->second.get();
  }
};

JwtCheck verify_access_jwt(std::string_view token, const TeamKeys& keys, const JwtExpectations& expect) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return invalid("the CF_Authorization cookie is not a JWT");
  }
  const auto header_text = base64url_decode(token.substr(0, first));
  const auto payload_text = base64url_decode(token.substr(first + 1, second - first - 1));
  const auto signature = base64url_decode(token.substr(second + 1));
  if (!header_text || !payload_text || !signature) return invalid("the CF_Authorization JWT is not base64url");
  const auto header = nlohmann::json::parse(*header_text, nullptr, false);
  const auto claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!header.is_object() || !claims.is_object()) return invalid("the CF_Authorization JWT is not JSON");

  const auto* alg = string_field(header, "alg");
  if (alg == nullptr || *alg != "RS256") {
    return invalid("the JWT is signed with " + (alg != nullptr ? in_quotes(*alg) : std::string("no algorithm")) +
                   ", not RS256");
  }
  const auto* kid_field = string_field(header, "kid");
  if (kid_field == nullptr || kid_field->empty()) return invalid("the JWT names no key (kid)");
  const std::string kid = *kid_field;
  EVP_PKEY* key = JwtVerifier::key(keys, kid);
  if (key == nullptr) {
    return JwtCheck{JwtCheck::Outcome::unknown_key, "the JWT is signed by key " + in_quotes(kid) + ", not the team's",
                    kid};
  }

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  const std::string_view signed_part = token.substr(0, second);
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) != 1) {
    return invalid("the JWT's signature does not verify with the team's key " + in_quotes(kid), kid);
  }

  // Signed by the team: now whether it says what this probe needs.
  const auto* iss = string_field(claims, "iss");
  if (iss == nullptr || *iss != expect.issuer) {
    return invalid("the JWT was issued by " + (iss != nullptr ? in_quotes(*iss) : std::string("nobody")) + ", not " +
                       expect.issuer,
                   kid);
  }
  std::vector<std::string> audiences;
  if (const auto it = claims.find("aud"); it != claims.end()) {
    if (it->is_string()) audiences.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& a : *it) {
        if (a.is_string()) audiences.push_back(a.get<std::string>());
      }
    }
  }
  const bool audience_ok = std::any_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
    return std::find(expect.audiences.begin(), expect.audiences.end(), a) != expect.audiences.end();
  });
  if (!audience_ok) {
    return invalid("the JWT is for another application (aud " +
                       (audiences.empty() ? std::string("missing") : in_quotes(audiences.front())) + ")",
                   kid);
  }
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(expect.now.time_since_epoch()).count();
  const auto exp = seconds_field(claims, "exp");
  if (!exp) return invalid("the JWT has no expiry (exp)", kid);
  if (*exp + expect.leeway.count() < now)
    return invalid("the JWT expired " + std::to_string(now - *exp) + " s ago", kid);
  if (const auto nbf = seconds_field(claims, "nbf"); nbf && *nbf - expect.leeway.count() > now) {
    return invalid("the JWT is not valid before " + std::to_string(*nbf - now) + " s from now", kid);
  }
  const auto* common_name = string_field(claims, "common_name");
  if (common_name == nullptr || *common_name != expect.client_id) {
    return invalid(
        "the JWT is for " +
            (common_name != nullptr ? "client ID " + in_quotes(*common_name) : std::string("no service token")) +
            ", not this token",
        kid);
  }
  return JwtCheck{JwtCheck::Outcome::valid, {}, kid};
}

std::optional<std::string> cf_authorization_cookie(const http::Response& response) {
  std::optional<std::string> value;
  for (const auto& [name, header] : response.headers) {
    if (name != "set-cookie") continue;
    const std::string_view cookie(header);
    constexpr std::string_view kName = "CF_Authorization=";
    if (!cookie.starts_with(kName)) continue;
    const auto end = cookie.find(';');
    std::string v(cookie.substr(kName.size(), end == std::string_view::npos ? end : end - kName.size()));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    value = v.empty() ? std::nullopt : std::optional<std::string>(std::move(v));
  }
  return value;
}

TeamKeySource::TeamKeySource(const JwtPolicy& policy, http::Client& client, std::chrono::milliseconds timeout,
                             std::chrono::steady_clock::time_point deadline, std::chrono::system_clock::time_point now)
    : policy_(policy), client_(client), timeout_(timeout), deadline_(deadline), now_(now) {}

namespace {

std::optional<detail::CacheStore> key_cache(const JwtPolicy& policy) {
  if (policy.cache_ttl.count() <= 0 || policy.cache_dirs.empty()) return std::nullopt;
  const std::string scope =
      detail::sha256_hex("access-certs\n" + policy.team_domain + "\n" + policy.trust, detail::kScopeChars);
  return detail::CacheStore(policy.cache_dirs, scope, policy.cache_ttl);
}

}  // namespace

Expected<TeamKeys> TeamKeySource::fetch() {
  http::Request request;
  request.url = policy_.certs_url();
  request.timeout = timeout_;
  request.deadline = deadline_;
  request.max_body_bytes = policy_.max_bytes;
  request.max_redirects = 0;
  const auto outcomes = client_.perform({request}, 1);
  const auto& outcome = outcomes.at(0);
  if (const auto* error = std::get_if<http::TransportError>(&outcome)) {
    return make_error("cannot fetch " + request.url + ": " + error->message);
  }
  const auto& response = std::get<http::Response>(outcome);
  if (response.status != 200) {
    return make_error(request.url + " answered HTTP " + std::to_string(response.status));
  }
  if (response.body_truncated)
    return make_error(request.url + " answered more than " + std::to_string(policy_.max_bytes) + " bytes");
  const auto jwks = nlohmann::json::parse(response.body, nullptr, false);
  auto keys = TeamKeys::from_jwks(jwks);
  if (!keys) return make_error(request.url + ": " + keys.error().message);
  if (auto cache = key_cache(policy_)) {
    std::string ignored;
    cache->write(request.url, jwks, now_, &ignored);  // a cache that cannot be written only costs a fetch
  }
  return keys;
}

bool TeamKeySource::fetch_into_keys() {
  refreshed_ = true;
  auto fetched = fetch();
  if (!fetched) {
    problem_ = fetched.error().message;
    return false;
  }
  keys_ = std::move(*fetched);
  return true;
}

const TeamKeys* TeamKeySource::keys(std::string* problem) {
  if (!loaded_) {
    loaded_ = true;
    if (auto cache = key_cache(policy_)) {
      std::string ignored;
      if (auto jwks = cache->read(policy_.certs_url(), now_, &ignored)) {
        if (auto cached = TeamKeys::from_jwks(*jwks)) keys_ = std::move(*cached);
      }
    }
    if (!keys_) fetch_into_keys();
  }
  *problem = problem_;
  return keys_ ? &*keys_ : nullptr;
}

const TeamKeys* TeamKeySource::refreshed(std::string* problem) {
  // A refetch that fails leaves nothing to judge the unknown kid by: the keys are
  // unavailable (UNKNOWN), not the JWT forged (CRITICAL).
  if (refreshed_ ? problem_.empty() : fetch_into_keys()) {
    *problem = problem_;
    return keys_ ? &*keys_ : nullptr;
  }
  *problem = problem_;
  return nullptr;
}

}  // namespace cfmon::access
