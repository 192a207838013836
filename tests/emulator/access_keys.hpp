#pragma once
// The Access team's signing keys: RS256 key pairs that sign the CF_Authorization JWT the
// edge sets after admitting a service token, served as a JWK set on
// https://<team domain>/cdn-cgi/access/certs (section B.1 of the apps/JWT/tunnels notes).
// Like Cloudflare's, the set holds the current key and the previous one; rotate() makes
// a new current key (POST /__emulator/access-keys/rotate on the team domain). It starts
// with two fixed, public test keys (no key generation at start). Thread-safe.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <openssl/types.h>
#include <nlohmann/json.hpp>

namespace cfmon::emulator {

class AccessKeys {
 public:
  AccessKeys();
  ~AccessKeys();
  AccessKeys(const AccessKeys&) = delete;
  AccessKeys& operator=(const AccessKeys&) = delete;

  // header.payload.signature: RS256 over `claims` with the current key, its kid in the header.
  std::string sign(const nlohmann::json& claims);
  // {"keys": [current, previous]}: kid, kty, alg, use, n, e.
  nlohmann::json jwks();
  // A new current key; the old current becomes the previous one. Returns the new kid.
  std::string rotate();

 private:
  struct Key;
  void ensure_locked();
  void add_key_locked(EVP_PKEY* pkey);  // takes ownership
  bool started_ = false;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Key>> keys_;  // [current, previous]
};

}  // namespace cfmon::emulator
