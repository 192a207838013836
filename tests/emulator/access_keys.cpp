#include "access_keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <stdexcept>

#include "error_pages.hpp"

namespace cfmon::emulator {

struct AccessKeys::Key {
  EVP_PKEY* pkey = nullptr;
  std::string kid;
  std::string n;  // base64url
  std::string e;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

// The keys an emulator starts with: fixed and public, like the default tokens (a test
// tool: nothing they sign is trusted anywhere else), so a start costs no RSA key
// generation. rotate() generates the next ones.
constexpr const char* kStartKeys[] = {
    R"(-----BEGIN PRIVATE KEY-----
MIIEuwIBADANBgkqhkiG9w0BAQEFAASCBKUwggShAgEAAoIBAQCeNKIgcWT7voVT
Qt6cqAJwh/FKG/e1PiJdxGrllFyrqmKfa8vixQFjB+lgDAStxucgQKSTSYOhNsft
m4P40cBXRuQzNUpOLaoPiqrhzDnv2squqx9WtD9Gw1nDJ8w5XB5uUWUTB/aG3dc+
ur5a0lOFVxOH6BMAe0CqhgH0gEp4GjCGgZeaSpAV1s5O5i9IeJ9bhIn7qcuFh2wS
lCgdyaT15wadnsGJAl2i7EVrlSPcg5vZgNF2ufZP+TsIg6SoWdntZjiE+Bey9IX7
wesIsxwaUZJGBBti1jt6L2YEr6/qHAj2k4ar+nv2aGB6kr6G5zq7zJNSrYRl62Wy
714LLAvdAgMBAAECgf8b6YKxNqXFGgLBLeBuGIuq+aZt7Naco4RssWWAG9eTHKdJ
zpBU8hfMi8N2WVMkqx3GvaD2W4IIb3cr9MQpTNh34t9gKYbH7vE8zLpZcYQcoqgf
07veZZlvDV2eO5H3N3QnAoqn+5UDNnXuG1nPrEwQD8ziWDpXW2eNWRdUi/iXjRWp
0D3AQe+Zw1Sk2N+Kjnzk8BUgyeBb0Jd7R71ZUelKAHv/aYzW6PJ9l1dXr9FasIBQ
CqfZv64jXKHRI1LxsUaA/iIVEGGL2q3pcOOE2qF8G96o5FNMxr5ZCxIspLCI0anx
EBHx5IvR8EBEmbRY+gFYjW9JvMA/pNo0wd+HqqcCgYEAyf7ahqieAOuHJ1hrjjQ1
n6IGUMm0UyqiLDjZjhtxVgCskyDwkiWJQg4BU8cNX+NUWCcae13HGaHwG0iTohy2
k97oIaCslUGX83DWJYyKCGd7lpZ0t5Ewt+Gv+WtPjMJ4H51OMCknBq3KBQAWLTkQ
lJPYnYJ/+y1i9v4MpjqbWHsCgYEAyICsVJfwdYTQg5fzcnquhiSo3TDM0ybM+ERB
YJkmqBTk09fz0WLBKlCvcJn7DHqPfkDMibgxCMZbqotlStFyzAdOFJPTvzhLPAQZ
TMwGOII+uAm1Qp0dPPzk9jqj+njU2qVynVD4WaCO1wCGK5OpMgaQIEgeM1ZpoZ97
TVSXOYcCgYAqK4yPpFAoPQOgUTNTIs83HmpXH2UIH9RviwbQRiZpIAbnSG8w86ku
IyJfzSSbqigHp1I+Axv32/j2mTZJF9l+EYFA0/xzxJfmeN4cRLTkgEYq8Ao58JPN
L86/MYoQBuFxKDQUleLR4CJW3OfEVS+C9UK5z27Mj3MjwXH+mimoVQKBgQC3w8cu
mTtYWmxJz+De0bZXWA40/F8eP/eoq9ZH1NZrQwsfZlQfWqW0RNMnHtnLbCFME9Pj
fZ/jbPni63PhCOpwOVnE3mA6aDv8O718d5pT/HvDbZJmBV4g4aBwVPqpvElKRE0y
Bl44t0FzqRVPpzxxjzZVgAO+Bbs22NbH33nizQKBgH6EYa+l95nu/23nwv/5mbli
CtuFTobe+Z06lrCzCkrQF/na4c7ZOO1ZudfleWGuwj+19dSuG6NJTJ/gzffWAxHn
MB/Yb4+eI4P+L3H9qwfgquEmYyWYIN/rdfoWr66laDpb1T+dYGdsrSczdDreEC2J
3D2wGgmHzIwTH7A8VXAW
-----END PRIVATE KEY-----)",
    R"(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC9FLEFL73N0hyZ
OXRTARxjXi23Bh8JoysUjmuJC417thFe0z6oS/vR32WcPBKsHMUJQbB9Y8Pqde51
7/HkyydRs6JOa3i1H1LBKX7xCJyZwV/G0SNTR6rONe504cQZkmTNs17uv6c3GCTk
W1fc/USS0qVqEuPDJTlMBvfsXAPHcC8DGOq9+NAiXabAZSfkxe4qMKK0WrwAxbX9
2KVskCmdL9Xp1iOpV9mdD03ucYmRj/LM8dYgnbl2jLjm8DRZ03Me6Um6aQzUksBR
Ur/hXkWlheVvbQZUeCLbdqrmjUWosC0DMIf5mq436Ex0AwxbdLYAYfzf6X4eCAJF
t57FUQLDAgMBAAECggEAJ8PtQtD6kwnIV/U8YKSQKtnItYBFEMrPKaCWPxk95TGy
T4YP3Gc2i7n27be4mZfnXH4DNyu/LVUmFImlDuAm4cjsrp9toHH4/oTSnLCZ9sAz
e2XKjx44buvqvYwpqNMf/h7mLUIDUdPzFk+bl+9v94zzmu5kFkuC1Fl21K+5X7z8
mfuOCUqvtPeQ2cGzASGIYSmJLR/6OQC6VT0dlAwMFlzCSESB9HHJjOkgflZKoGWy
qmDk86Yc7TLPZO793yKu9uLaLkdGrFJuaGejkK162nbwPtUBHTuMCM9PsvB/tfE+
qOdnnAFLflQbc9zD1+diOFUV0ZXBHkBLn/VFWYkkiQKBgQDkoAFNih+rDGpKyMKs
+H3WgR33Nmp7KxGldqoGil00daNGTJL3zYaIBa4LdLM+ALOTTcIyaLNMFIXDSPnW
H11xBo7ITbtfcNGBA06PAe7t8gxaOLALUpS37KokRnG/PrAzsJBDz7lnGyjSp/YE
qKqK4rwZpPD4POtMRoWcZZ3L1QKBgQDTuIvnLx36ikDjjHRsDHWuX1GXSkhN5HOl
ItbTnGzLGKMnMWjMHNR+sZMfTp6Sd5N9MdEOfOy9AI7LuEFj9xpO9fCnQawLMZ9u
BTm9OkcQrTgmymTLRNC6SovOVV0YrEo4UlijDGyNTxb/qFkv9BvfFKvY0RJwS/Vb
EwitYnVYNwKBgCBpWqXuffzW3r7JZWf2NojRdzkT2tapTXAiuYoB1aLZRpNxyagd
2AOyonD3U23n1Y19iZlx5HFVu3zq/JhRjAK5Bkb5ViX6rYjXuixl/sR2+y9TOAny
5CiLAbfw0LFnJr29O0aRzVwDqq7qpuMUMlFMQZR1IMBgio8etFRux4cdAoGBAM7W
6ocO9wC/dKlZnJu6iHW0VaeyQHUojPp10N6nYXoBNdOiZ7mRKOAlZ5AcZLq+625R
7uVykm4LT3YjKm8ZB7DAgT1F4WiGMDVyEXiWqLrYH5V2AYa8UhbNoUwRBYSHPXNM
r5+LEbnz3Ioj1A4PM/N65HBLwPHIo4k4TS/mkrF9AoGASV7eqmprkCcgjx8+nk1a
XkGy6qOGWemQ5909bDFShGPShdjLPeY3bG+GXvlm4iM7CIQ3I8o8naxwte/O3HMK
JmOwEbWRcXQfli3hOvg1cbBy7fuItuFxbHb4zu/gOwSEOgK7UhphRk3qHBp/mI68
cZaKFTZH3K+EK7Vv/07iaRc=
-----END PRIVATE KEY-----)",
};

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("cannot read an RSA key parameter");
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return bytes;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += digits[static_cast<unsigned char>(c) >> 4U];
    out += digits[static_cast<unsigned char>(c) & 0x0FU];
  }
  return out;
}

}  // namespace

AccessKeys::AccessKeys() = default;
AccessKeys::~AccessKeys() = default;

namespace {

EVP_PKEY* load_pem(const char* pem) {
  BIO* bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY* key = bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  return key;
}

std::string kid_of(const std::string& n) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(n.data(), n.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(std::string_view(reinterpret_cast<const char*>(digest), 32));
}

}  // namespace

void AccessKeys::ensure_locked() {
  if (!started_) {
    started_ = true;
    for (const char* pem : kStartKeys) add_key_locked(load_pem(pem));
  }
  while (keys_.size() < 2) add_key_locked(EVP_RSA_gen(2048));
}

void AccessKeys::add_key_locked(EVP_PKEY* pkey) {
  {
    if (pkey == nullptr) throw std::runtime_error("cannot make an RSA key");
    auto key = std::make_shared<Key>();
    key->pkey = pkey;
    const std::string n = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N);
    key->n = base64url(n);
    key->e = base64url(bn_param(pkey, OSSL_PKEY_PARAM_RSA_E));
    key->kid = kid_of(n);
    keys_.push_back(std::move(key));
  }
}

std::string AccessKeys::sign(const nlohmann::json& claims) {
  std::shared_ptr<Key> key;
  {
    std::lock_guard lock(mutex_);
    ensure_locked();
    key = keys_.front();
  }
  const nlohmann::json header = {{"alg", "RS256"}, {"kid", key->kid}, {"typ", "JWT"}};
  const std::string signed_part = base64url(header.dump()) + "." + base64url(claims.dump());
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t length = 0;
  std::string signature;
  bool ok = md != nullptr && EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key->pkey) == 1 &&
            EVP_DigestSign(md, nullptr, &length, reinterpret_cast<const unsigned char*>(signed_part.data()),
                           signed_part.size()) == 1;
  if (ok) {
    signature.resize(length);
    ok = EVP_DigestSign(md, reinterpret_cast<unsigned char*>(signature.data()), &length,
                        reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
    signature.resize(length);
  }
  EVP_MD_CTX_free(md);
  if (!ok) throw std::runtime_error("cannot sign the Access JWT");
  return signed_part + "." + base64url(signature);
}

nlohmann::json AccessKeys::jwks() {
  std::lock_guard lock(mutex_);
  ensure_locked();
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& key : keys_) {
    keys.push_back({{"kid", key->kid}, {"kty", "RSA"}, {"alg", "RS256"}, {"use", "sig"}, {"e", key->e}, {"n", key->n}});
  }
  return {{"keys", keys}};
}

std::string AccessKeys::rotate() {
  std::lock_guard lock(mutex_);
  ensure_locked();
  keys_.pop_back();                                          // the previous key is gone: [current]
  ensure_locked();                                           // [current, new]
  std::rotate(keys_.begin(), keys_.end() - 1, keys_.end());  // [new, current]
  return keys_.front()->kid;
}

}  // namespace cfmon::emulator
