#include "token_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

namespace cfmon::emulator {
namespace {

using namespace std::chrono;

const TimePoint kNow = *parse_rfc3339("2026-11-30T12:00:00Z");

ServiceToken make_token(std::string id, std::string client_id, std::string secret) {
  ServiceToken token;
  token.id = std::move(id);
  token.name = "t-" + token.id;
  token.client_id = std::move(client_id);
  token.client_secret = std::move(secret);
  token.expires_at = kNow + hours(24);
  return token;
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store.insert(make_token("t1", "cid1.access", "secret1"))); }
  TokenStore store;
};

TEST_F(TokenStoreTest, InsertRejectsDuplicateIdOrClientId) {
  EXPECT_FALSE(store.insert(make_token("t1", "other.access", "s")));
  EXPECT_FALSE(store.insert(make_token("t2", "cid1.access", "s")));
  EXPECT_TRUE(store.insert(make_token("t2", "cid2.access", "s")));
  EXPECT_EQ(store.size(), 2U);
}

TEST_F(TokenStoreTest, CheckOrder) {
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow).status, TokenStatus::valid);
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow).token_id, "t1");
  EXPECT_EQ(store.check("nope.access", "secret1", kNow).status, TokenStatus::unknown_client_id);
  EXPECT_EQ(store.check("nope.access", "secret1", kNow).token_id, "");
  EXPECT_EQ(store.check("cid1.access", "secret2", kNow).status, TokenStatus::wrong_secret);
  EXPECT_EQ(store.check("cid1.access", "", kNow).status, TokenStatus::wrong_secret);
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow + hours(24)).status, TokenStatus::expired);
  ASSERT_TRUE(store.set_enabled("t1", false, kNow));
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow).status, TokenStatus::disabled);
  // A wrong secret never reveals the token's state.
  EXPECT_EQ(store.check("cid1.access", "bad", kNow).status, TokenStatus::wrong_secret);
}

TEST_F(TokenStoreTest, EmptyClientIdIsNeverKnown) {
  EXPECT_EQ(store.check("", "secret1", kNow).status, TokenStatus::unknown_client_id);
}

TEST_F(TokenStoreTest, ForeverTokensDoNotExpire) {
  ASSERT_TRUE(store.update(
      "t1", [](ServiceToken& t) { t.expires_at.reset(); }, kNow));
  EXPECT_TRUE(store.check("cid1.access", "secret1", kNow + hours(24 * 365 * 50)).valid());
}

TEST_F(TokenStoreTest, RotateWithGracePeriodKeepsOldSecretUntilItExpires) {
  const auto rotated = store.rotate("t1", kNow + hours(1), kNow);
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->id, "t1");
  EXPECT_EQ(rotated->client_id, "cid1.access");
  EXPECT_NE(rotated->client_secret, "secret1");
  EXPECT_TRUE(store.check("cid1.access", rotated->client_secret, kNow).valid());
  EXPECT_TRUE(store.check("cid1.access", "secret1", kNow + minutes(59)).valid());
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow + hours(1)).status, TokenStatus::wrong_secret);
}

TEST_F(TokenStoreTest, RotateWithoutGraceKillsOldSecretAtOnce) {
  const auto rotated = store.rotate("t1", std::nullopt, kNow);
  ASSERT_TRUE(rotated);
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow).status, TokenStatus::wrong_secret);
  EXPECT_TRUE(rotated->previous_client_secret.empty());
}

TEST_F(TokenStoreTest, CreateMakesCloudflareShapedValues) {
  const auto created = store.create("new", "8760h", kNow);
  ASSERT_TRUE(created);
  EXPECT_TRUE(
      std::regex_match(created->id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(created->client_id, std::regex("[0-9a-f]{32}\\.access")));
  EXPECT_TRUE(std::regex_match(created->client_secret, std::regex("[0-9a-f]{64}")));
  EXPECT_EQ(created->expires_at, kNow + hours(8760));
  EXPECT_TRUE(store.check(created->client_id, created->client_secret, kNow).valid());
  EXPECT_FALSE(store.create("bad", "1 year", kNow));
  const auto forever = store.create("forever", "forever", kNow);
  ASSERT_TRUE(forever);
  EXPECT_FALSE(forever->expires_at);
}

TEST_F(TokenStoreTest, RefreshExtendsByDuration) {
  ASSERT_TRUE(store.update(
      "t1", [](ServiceToken& t) { t.duration = "60m"; }, kNow));
  const auto refreshed = store.refresh("t1", kNow + hours(5));
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->expires_at, kNow + hours(6));
  EXPECT_EQ(refreshed->updated_at, kNow + hours(5));
}

TEST_F(TokenStoreTest, UpdateCannotChangeIdentity) {
  const auto updated = store.update(
      "t1",
      [](ServiceToken& t) {
        t.id = "hijack";
        t.client_id = "hijack.access";
        t.name = "renamed";
      },
      kNow);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->id, "t1");
  EXPECT_EQ(updated->client_id, "cid1.access");
  EXPECT_EQ(updated->name, "renamed");
}

TEST_F(TokenStoreTest, RemoveRevokes) {
  const auto removed = store.remove("t1");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->client_secret, "secret1");
  EXPECT_FALSE(store.get("t1"));
  EXPECT_FALSE(store.remove("t1"));
  EXPECT_EQ(store.check("cid1.access", "secret1", kNow).status, TokenStatus::unknown_client_id);
}

TEST_F(TokenStoreTest, UnknownIdsAreReported) {
  EXPECT_FALSE(store.rotate("x", std::nullopt, kNow));
  EXPECT_FALSE(store.refresh("x", kNow));
  EXPECT_FALSE(store.set_enabled("x", true, kNow));
  EXPECT_FALSE(store.get("x"));
  EXPECT_FALSE(store.find_by_client_id("x.access"));
  EXPECT_EQ(store.find_by_client_id("cid1.access")->id, "t1");
}

// Readers (the edge) and writers (the API) at once: every check sees either the old or
// the new secret, never a torn token. Run under TSan/ASan this also catches races.
TEST_F(TokenStoreTest, ConcurrentRotateAndCheck) {
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!done) {
        const auto status = store.check("cid1.access", "whatever", kNow).status;
        EXPECT_EQ(status, TokenStatus::wrong_secret);
        ++checks;
      }
    });
  }
  // Keep rotating until the readers have demonstrably overlapped with the writer.
  for (int i = 0; i < 200 || checks.load() < 1000; ++i) {
    ASSERT_TRUE(store.rotate("t1", kNow + hours(1), kNow));
  }
  done = true;
  for (auto& reader : readers) reader.join();
}

}  // namespace
}  // namespace cfmon::emulator
