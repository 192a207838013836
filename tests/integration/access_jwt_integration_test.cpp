// check_cf_access --expect-aud against the emulator: the CF_Authorization JWT Access sets
// must verify against the team's keys (https://<team>/cdn-cgi/access/certs), name the
// application's AUD and the token's client ID, and be unexpired; a 200 without one
// proves nothing about Access.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::testing {
namespace {

const std::string kTeam = "acme.cloudflareaccess.com";

std::string aud_of(const Emulator& emu, const std::string& app) {
  for (const auto& a : emu.config().at("apps")) {
    if (a.at("name") == app) return a.at("aud").get<std::string>();
  }
  throw std::runtime_error("no app " + app);
}

std::map<std::string, std::string> token_env(const Emulator& emu) {
  return {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
          {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}};
}

RunResult probe(const Emulator& emu, const std::string& app, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"-u", emu.url(app)};
  for (auto& a : emu.connection_args(app)) args.push_back(a);
  const std::string port = std::to_string(emu.port());
  for (const std::string& a : {std::string("--resolve"), kTeam + ":" + port + ":127.0.0.1",
                               std::string("--team-domain"), kTeam + ":" + port}) {
    args.push_back(a);
  }
  for (const auto& a : extra) args.push_back(a);
  return run(CFMON_CHECK_CF_ACCESS, args, token_env(emu));
}

TEST(AccessJwt, AVerifiedJwtForTheApplicationIsOk) {
  auto& emu = shared_emulator();
  const auto r = probe(emu, "ok", {"--expect-aud", aud_of(emu, "ok")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Access JWT verified"), std::string::npos) << r.out;
  // Any of several tags will do (one list for a targets file of many apps).
  const auto any = probe(emu, "ok", {"--expect-aud", aud_of(emu, "strict-ok"), "--expect-aud", aud_of(emu, "ok")});
  EXPECT_EQ(any.exit_code, 0) << any.out;
}

TEST(AccessJwt, AJwtForAnotherApplicationIsCritical) {
  auto& emu = shared_emulator();
  const auto r = probe(emu, "ok", {"--expect-aud", aud_of(emu, "strict-ok"), "--format", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("\"reason\": \"not_through_access\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("another application"), std::string::npos) << r.out;
}

TEST(AccessJwt, NoCookieIsUnverifiableUnlessOptional) {
  // A strict organisation's app: Access admits the token and sets no cookie.
  auto& emu = shared_emulator();
  const auto r = probe(emu, "strict-ok", {"--expect-aud", aud_of(emu, "strict-ok")});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("no CF_Authorization cookie"), std::string::npos) << r.out;
  const auto optional = probe(emu, "strict-ok", {"--expect-aud", aud_of(emu, "strict-ok"), "--jwt-optional"});
  EXPECT_EQ(optional.exit_code, 0) << optional.out;
}

TEST(AccessJwt, KeysThatCannotBeFetchedAreUnknown) {
  auto& emu = shared_emulator();
  // The team domain resolves nowhere the test set up: nothing can be verified.
  std::vector<std::string> args{
      "-u", emu.url("ok"), "--expect-aud", aud_of(emu, "ok"), "--team-domain", "nowhere.invalid", "-t", "5"};
  for (auto& a : emu.connection_args("ok")) args.push_back(a);
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, token_env(emu));
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("cannot verify the Access JWT"), std::string::npos) << r.out;
}

TEST(AccessJwt, UsageErrorsAreUnknown) {
  auto& emu = shared_emulator();
  std::vector<std::string> args{"-u", emu.url("ok"), "--expect-aud", aud_of(emu, "ok")};
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, token_env(emu));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("--expect-aud needs --team-domain"), std::string::npos) << r.out;
}

// ---------------------------------------------------------------- forged and expired

std::string b64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : (c == '/' ? '_' : c);
  return out;
}

// A JWT with every claim right, signed by a key of the test's own under a made-up kid.
std::string resigned_jwt(const std::string& aud, const std::string& client_id) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const nlohmann::json header = {{"alg", "RS256"}, {"kid", "forged-key"}, {"typ", "JWT"}};
  const nlohmann::json claims = {{"aud", {aud}},
                                 {"iss", "https://" + kTeam},
                                 {"common_name", client_id},
                                 {"exp", now + 3600},
                                 {"iat", now},
                                 {"sub", ""},
                                 {"type", "app"}};
  const std::string signed_part = b64url(header.dump()) + "." + b64url(claims.dump());
  EVP_PKEY* key = EVP_RSA_gen(2048);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t length = 0;
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(md, nullptr, &length, reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size());
  std::string signature(length, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size());
  signature.resize(length);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return signed_part + "." + b64url(signature);
}

// A private emulator whose clock runs two days behind (the JWTs it issues expired a day
// ago) and with two apps Access does not protect whose origins set forged cookies.
class ForgedAndExpired : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::ifstream in(CFMON_EMULATOR_CONFIG);
    auto config = nlohmann::json::parse(in, nullptr, true, true);
    std::string ok_aud;
    std::string client_id;
    for (const auto& a : config.at("apps")) {
      if (a.at("name") == "ok") ok_aud = a.at("aud");
    }
    for (const auto& t : config.at("tokens")) {
      if (t.at("name") == "monitoring") client_id = t.at("client_id");
    }
    const nlohmann::json none_header = {{"alg", "none"}, {"kid", "x"}, {"typ", "JWT"}};
    const std::string unsigned_jwt =
        b64url(none_header.dump()) + "." + b64url(nlohmann::json{{"aud", {ok_aud}}}.dump()) + ".";
    auto forged_app = [&](const std::string& name, const std::string& cookie) {
      auto app = config.at("apps").at(0);
      for (const auto& a : config.at("apps")) {
        if (a.at("name") == "unprotected") app = a;
      }
      app["name"] = name;
      app["host"] = name + ".cfemu.test";
      app["origin"]["headers"] = {{"Set-Cookie", "CF_Authorization=" + cookie + "; Path=/"}};
      return app;
    };
    config["apps"].push_back(forged_app("forged-resigned", resigned_jwt(ok_aud, client_id)));
    config["apps"].push_back(forged_app("forged-none", unsigned_jwt));
    std::ofstream(dir_->path() + "/config.json") << config.dump();
    emu_ = new Emulator(dir_->path() + "/config.json", {"--clock-offset", "-172800"});
    ok_aud_ = ok_aud;
  }
  static void TearDownTestSuite() {
    delete emu_;
    delete dir_;
  }
  static TempDir* dir_;
  static Emulator* emu_;
  static std::string ok_aud_;
};
TempDir* ForgedAndExpired::dir_ = nullptr;
Emulator* ForgedAndExpired::emu_ = nullptr;
std::string ForgedAndExpired::ok_aud_;

TEST_F(ForgedAndExpired, AJwtSignedByAnotherKeyIsCritical) {
  const auto r = probe(*emu_, "forged-resigned", {"--expect-aud", ok_aud_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("without a valid Access token"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not the team's"), std::string::npos) << r.out;
}

TEST_F(ForgedAndExpired, AnUnsignedJwtIsCritical) {
  const auto r = probe(*emu_, "forged-none", {"--expect-aud", ok_aud_});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("not RS256"), std::string::npos) << r.out;
}

TEST_F(ForgedAndExpired, AnExpiredJwtIsCritical) {
  const auto r = probe(*emu_, "ok", {"--expect-aud", ok_aud_});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("expired"), std::string::npos) << r.out;
}

// Access rotates its keys: a JWT under a kid the cached set lacks sends the check to fetch
// the set again, and it verifies.
TEST(AccessJwt, RotatedKeysAreFetchedAgain) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  TempDir cache;
  const std::vector<std::string> cached{"--expect-aud", aud_of(emu, "ok"), "--cache-ttl",
                                        "600",          "--cache-dir",     cache.path() + "/c"};
  ASSERT_EQ(probe(emu, "ok", cached).exit_code, 0);
  // Rotate through the team domain's control endpoint.
  const auto rotate =
      run("/usr/bin/curl", {"-s", "-d", "", "--cacert", emu.ca_file(), "--resolve",
                            kTeam + ":" + std::to_string(emu.port()) + ":127.0.0.1",
                            "https://" + kTeam + ":" + std::to_string(emu.port()) + "/__emulator/access-keys/rotate"});
  // curl: installed by cmake/install-debian-deps.sh.
  ASSERT_EQ(rotate.exit_code, 0) << rotate.err;
  ASSERT_NE(rotate.out.find("\"kid\""), std::string::npos) << rotate.out << rotate.err;
  const auto after = probe(emu, "ok", cached);
  EXPECT_EQ(after.exit_code, 0) << after.out;
  EXPECT_NE(after.out.find("Access JWT verified"), std::string::npos) << after.out;
}

}  // namespace
}  // namespace cfmon::testing
