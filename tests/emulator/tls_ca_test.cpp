#include "tls_ca.hpp"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

namespace cfmon::emulator {
namespace {

const TimePoint kNow = Clock::now();

// Verifies the server certificate against the CA alone, as a client with
// verification ON would, for one host name (or IP when is_ip).
bool verifies_for(const TlsMaterial& tls, const std::string& name, bool is_ip = false,
                  std::optional<TimePoint> at = std::nullopt) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), tls.ca_cert());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), tls.server_cert(), nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  if (at) X509_VERIFY_PARAM_set_time(param, Clock::to_time_t(*at));
  return X509_verify_cert(ctx.get()) == 1;
}

class TlsCaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tls = std::make_unique<TlsMaterial>(
        TlsMaterial::generate({"ok.cfemu.test", "strict-ok.cfemu.test", "localhost"}, kNow));
  }
  static void TearDownTestSuite() { tls.reset(); }
  static std::unique_ptr<TlsMaterial> tls;
};
std::unique_ptr<TlsMaterial> TlsCaTest::tls;

TEST_F(TlsCaTest, ServerCertificateVerifiesForEveryConfiguredName) {
  EXPECT_TRUE(verifies_for(*tls, "ok.cfemu.test"));
  EXPECT_TRUE(verifies_for(*tls, "strict-ok.cfemu.test"));
  EXPECT_TRUE(verifies_for(*tls, "localhost"));
  EXPECT_TRUE(verifies_for(*tls, "127.0.0.1", true));
}

TEST_F(TlsCaTest, ServerCertificateDoesNotVerifyForOtherNames) {
  EXPECT_FALSE(verifies_for(*tls, "evil.example"));
  EXPECT_FALSE(verifies_for(*tls, "x.ok.cfemu.test"));
  EXPECT_FALSE(verifies_for(*tls, "127.0.0.2", true));
}

TEST_F(TlsCaTest, ValidFromAnHourAgoForThirtyDays) {
  using namespace std::chrono;
  EXPECT_TRUE(verifies_for(*tls, "ok.cfemu.test", false, kNow - minutes(59)));
  EXPECT_TRUE(verifies_for(*tls, "ok.cfemu.test", false, kNow + hours(24 * 30) - minutes(1)));
  EXPECT_FALSE(verifies_for(*tls, "ok.cfemu.test", false, kNow - minutes(61)));
  EXPECT_FALSE(verifies_for(*tls, "ok.cfemu.test", false, kNow + hours(24 * 30) + minutes(1)));
}

TEST_F(TlsCaTest, CaIsACaAndServerIsNot) {
  EXPECT_EQ(X509_check_ca(tls->ca_cert()), 1);
  EXPECT_EQ(X509_check_ca(tls->server_cert()), 0);
}

TEST_F(TlsCaTest, KeysAreP256) {
  EXPECT_EQ(EVP_PKEY_get_base_id(tls->server_key()), EVP_PKEY_EC);
  std::array<char, 64> group{};
  size_t length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(tls->server_key(), group.data(), group.size(), &length), 1);
  EXPECT_STREQ(group.data(), "prime256v1");
}

TEST_F(TlsCaTest, PemRoundTrips) {
  EXPECT_EQ(tls->ca_cert_pem().rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  EXPECT_EQ(tls->server_cert_pem().rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  const std::string key = tls->server_key_pem();
  EXPECT_EQ(key.rfind("-----BEGIN PRIVATE KEY-----", 0), 0U);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(key.data(), static_cast<int>(key.size())), &BIO_free);
  EvpPkeyPtr parsed(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), tls->server_key()), 1);
}

TEST(TlsCa, EachRunGetsItsOwnCa) {
  const auto a = TlsMaterial::generate({}, kNow);
  const auto b = TlsMaterial::generate({}, kNow);
  EXPECT_NE(a.ca_cert_pem(), b.ca_cert_pem());
  EXPECT_TRUE(verifies_for(a, "localhost"));
}

}  // namespace
}  // namespace cfmon::emulator
