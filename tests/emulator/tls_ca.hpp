#pragma once
// A throw-away test CA and a server certificate it signs, made in-process with the
// OpenSSL 3 API at every start: nothing to check in, nothing that outlives a run.
// Clients trust the emulator through ca.pem alone, with verification left ON.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "time_format.hpp"

namespace cfmon::emulator {

struct X509Deleter {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class TlsMaterial {
 public:
  // EC P-256 keys; CA with basicConstraints CA:TRUE; server certificate with SANs =
  // dns_names + "localhost" + IP 127.0.0.1; both valid from now-1h to now+30d.
  // dns_names must be plain host names (config.cpp validates them).
  // Throws std::runtime_error naming the OpenSSL step that failed.
  static TlsMaterial generate(const std::vector<std::string>& dns_names, TimePoint now);

  [[nodiscard]] std::string ca_cert_pem() const;
  [[nodiscard]] std::string server_cert_pem() const;
  [[nodiscard]] std::string server_key_pem() const;  // unencrypted PKCS#8: write it 0600

  // Borrowed pointers for httplib::SSLServer, which takes its own references.
  [[nodiscard]] X509* ca_cert() const noexcept { return ca_cert_.get(); }
  [[nodiscard]] X509* server_cert() const noexcept { return server_cert_.get(); }
  [[nodiscard]] EVP_PKEY* server_key() const noexcept { return server_key_.get(); }

 private:
  TlsMaterial() = default;
  X509Ptr ca_cert_;
  EvpPkeyPtr ca_key_;
  X509Ptr server_cert_;
  EvpPkeyPtr server_key_;
};

}  // namespace cfmon::emulator
