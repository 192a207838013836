#include "tls_ca.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace cfmon::emulator {
namespace {

constexpr long kBackdateSeconds = 3600;             // tolerate clock skew of clients
constexpr long kValiditySeconds = 30L * 24 * 3600;  // long enough for any soak test

[[noreturn]] void fail(const std::string& step) {
  std::array<char, 256> reason{};
  ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
  ERR_clear_error();
  throw std::runtime_error("TLS setup failed at " + step + ": " + reason.data());
}

EvpPkeyPtr generate_p256_key() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr),
                                                                  &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") <= 0) {
    fail("EC key context");
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &key) <= 0) fail("EC key generation");
  return EvpPkeyPtr(key);
}

void set_random_serial(X509* cert) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), &BN_free);
  // 127 bits: positive and unique per run, so a client's cache never confuses two CAs.
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
    fail("serial number");
  }
}

void set_name(X509_NAME* name, const std::string& common_name) {
  const auto add = [&](const char* field, const std::string& value) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                   -1, -1, 0) != 1) {
      fail("subject name");
    }
  };
  add("O", "cfmon Cloudflare Access emulator (TEST ONLY)");
  add("CN", common_name);
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (extension == nullptr) fail("extension " + std::string(OBJ_nid2sn(nid)));
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) fail("adding extension " + std::string(OBJ_nid2sn(nid)));
}

// A version-3 certificate with subject, key, serial and validity; not yet signed.
X509Ptr new_certificate(const std::string& common_name, EVP_PKEY* key, TimePoint now) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("X509_new");
  set_random_serial(cert.get());
  set_name(X509_get_subject_name(cert.get()), common_name);
  std::time_t start = Clock::to_time_t(now);  // non-const: OpenSSL's signature
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -kBackdateSeconds, &start) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, kValiditySeconds, &start) == nullptr) {
    fail("validity");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) fail("X509_set_pubkey");
  return cert;
}

void sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
}

std::string subject_alt_names(const std::vector<std::string>& dns_names) {
  std::vector<std::string> names = dns_names;
  names.emplace_back("localhost");
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string value;
  for (const auto& name : names) value += "DNS:" + name + ",";
  return value + "IP:127.0.0.1";
}

template <class Writer>
std::string to_pem(Writer write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || write(bio.get()) != 1) fail("PEM encoding");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

}  // namespace

TlsMaterial TlsMaterial::generate(const std::vector<std::string>& dns_names, TimePoint now) {
  TlsMaterial tls;
  tls.ca_key_ = generate_p256_key();
  tls.ca_cert_ = new_certificate("cfmon emulator test CA", tls.ca_key_.get(), now);
  X509* ca = tls.ca_cert_.get();
  if (X509_set_issuer_name(ca, X509_get_subject_name(ca)) != 1) fail("CA issuer");
  add_extension(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca, ca, NID_subject_key_identifier, "hash");
  sign(ca, tls.ca_key_.get());

  tls.server_key_ = generate_p256_key();
  const std::string common_name = dns_names.empty() ? "localhost" : dns_names.front();
  tls.server_cert_ = new_certificate(common_name, tls.server_key_.get(), now);
  X509* server = tls.server_cert_.get();
  if (X509_set_issuer_name(server, X509_get_subject_name(ca)) != 1) fail("server issuer");
  add_extension(server, ca, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server, ca, NID_key_usage, "critical,digitalSignature");
  add_extension(server, ca, NID_ext_key_usage, "serverAuth");
  add_extension(server, ca, NID_subject_key_identifier, "hash");
  add_extension(server, ca, NID_authority_key_identifier, "keyid:always");
  add_extension(server, ca, NID_subject_alt_name, subject_alt_names(dns_names));
  sign(server, tls.ca_key_.get());
  return tls;
}

std::string TlsMaterial::ca_cert_pem() const {
  return to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, ca_cert_.get()); });
}

std::string TlsMaterial::server_cert_pem() const {
  return to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, server_cert_.get()); });
}

std::string TlsMaterial::server_key_pem() const {
  return to_pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, server_key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

}  // namespace cfmon::emulator
