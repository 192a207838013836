#include "cfmon/cloudflare_api.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "api_test_support.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::cloudflare {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- cache

ApiSettings cached(const std::string& dir, std::chrono::seconds ttl = 60s) {
  auto s = settings();
  s.cache.ttl = ttl;
  s.cache.dir = dir + "/cache/cfmon";
  return s;
}

// Each test: a private cache directory and a fake clock.
class CloudflareApiCache : public ::testing::Test {
 protected:
  testing::TempDir tmp;
  FakeTime time;
};

TEST_F(CloudflareApiCache, ASecondReadWithinTheTtlSendsNothing) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  {
    ApiClient api(http, cached(tmp.path()), time.hooks());
    ASSERT_TRUE(api.list_service_tokens({}));
    EXPECT_EQ(api.requests_sent(), 1U);
  }
  time.wall += 59s;
  ApiClient again(http, cached(tmp.path()), time.hooks());
  auto list = again.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 3U);
  EXPECT_EQ(again.requests_sent(), 0U);
  EXPECT_EQ(again.cache_hits(), 1U);
  EXPECT_EQ(http.count(), 1U);
}

TEST_F(CloudflareApiCache, AnExpiredEntryIsFetchedAgain) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  ApiClient api(http, cached(tmp.path()), time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  time.wall += 60s;
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U);
  time.wall -= 3600s;  // the clock went back: the entry's age is unknowable
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 3U);
}

TEST_F(CloudflareApiCache, FilesArePrivateAndHoldNoToken) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_TRUE(api.list_service_tokens({}));
  const std::string dir = tmp.path() + "/cache/cfmon";
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U) << e.path();
    EXPECT_EQ(e.path().string().find(kToken), std::string::npos);
    const std::string content = testing::slurp(e.path());
    EXPECT_EQ(content.find(kToken), std::string::npos) << e.path();
    if (e.path().extension() == ".json") ++entries;
    EXPECT_FALSE(e.path().filename().string().starts_with(".")) << "no temp file left behind";
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(CloudflareApiCache, AnEntryWithFieldsOfTheWrongTypeIsAMissNotACrash) {
  // Another process (or a hand) may leave anything in the cache: a wrong type is a miss.
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  ASSERT_TRUE(ApiClient(http, cached(tmp.path())).list_service_tokens({}));
  const std::string dir = tmp.path() + "/cache/cfmon";
  for (const char* planted : {R"({"version":"1","request":1,"stored_at":"x","data":[]})",
                              R"({"version":1,"request":["a"],"stored_at":1,"data":[]})"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".json") std::ofstream(e.path(), std::ios::trunc) << planted;
    }
    const auto before = http.count();
    auto list = ApiClient(http, cached(tmp.path())).list_service_tokens({});
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_EQ(list->size(), 3U);
    EXPECT_EQ(http.count(), before + 1) << "asked the API again: " << planted;
  }
}

TEST_F(CloudflareApiCache, AnotherApiTokenOrAccountDoesNotShareEntries) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  {
    ApiClient api(http, cached(tmp.path()));
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  auto other_token = cached(tmp.path());
  other_token.credentials.api_token = Secret("another-token");
  ApiClient a(http, other_token);
  ASSERT_TRUE(a.list_service_tokens({}));
  EXPECT_EQ(a.requests_sent(), 1U);
  auto other_account = cached(tmp.path());
  other_account.credentials.account_id = "ffffffffffffffffffffffffffffffff";
  ApiClient b(http, other_account);
  ASSERT_TRUE(b.list_service_tokens({}));
  EXPECT_EQ(b.requests_sent(), 1U);
  ApiClient c(http, cached(tmp.path()));
  ASSERT_TRUE(c.list_service_tokens({"x", ""}));
  EXPECT_EQ(c.requests_sent(), 1U) << "another query is another entry";
}

TEST_F(CloudflareApiCache, WhatChangesTheTrustOfAnAnswerChangesItsScope) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 3)); });
  auto insecure = cached(tmp.path());
  http::Transport k;
  k.insecure = true;  // -k
  insecure.cache.trust = http::trust_key(k);
  {
    ApiClient api(http, insecure);
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  ApiClient again(http, insecure);
  ASSERT_TRUE(again.list_service_tokens({}));
  EXPECT_EQ(again.requests_sent(), 0U) << "the same settings share entries";
  // An answer fetched with -k never serves a verified run, and so on for each transport option.
  std::vector<ApiSettings> others(4, cached(tmp.path()));
  http::Transport resolved;
  resolved.resolve = {"api.example.test:443:192.0.2.7"};
  others[1].cache.trust = http::trust_key(resolved);
  http::Transport ca;
  ca.ca_file = tmp.path() + "/ca.pem";
  others[2].cache.trust = http::trust_key(ca);
  others[3].base_url = "https://api.example.test/client/v4/other";
  for (const auto& s : others) {
    ApiClient api(http, s);
    ASSERT_TRUE(api.list_service_tokens({}));
    EXPECT_EQ(api.requests_sent(), 1U) << s.base_url << s.cache.trust;
  }
}

TEST_F(CloudflareApiCache, AWriteRemovesExpiredEntriesAndTheirLocks) {
  FakeHttp http([](const http::Request&) { return envelope(token_json(1)); });
  ApiClient api(http, cached(tmp.path()), time.hooks());
  const std::string dir = tmp.path() + "/cache/cfmon";
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(api.get_service_token("id-" + std::to_string(i)));  // one entry per id
    time.wall += 30s;
  }
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  // Entries older than the 60 s TTL are gone with their locks: at most the last 2-3 pairs.
  EXPECT_LE(files, 6U);
  EXPECT_GE(files, 2U);
}

TEST_F(CloudflareApiCache, AnotherScopesEntriesGoOnlyAfterTheLongestTtl) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  auto other = cached(tmp.path(), 3600s);
  other.credentials.api_token = Secret("another-token");
  {
    ApiClient api(http, other, time.hooks());
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  auto entries = [&] {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/cache/cfmon")) {
      if (e.path().extension() == ".json") ++n;
    }
    return n;
  };
  ApiClient api(http, cached(tmp.path()), time.hooks());
  time.wall += 2h;  // the other entry is stale for us, but its TTL is unknown here
  ASSERT_TRUE(api.list_service_tokens({"a", ""}));
  EXPECT_EQ(entries(), 2U);
  time.wall += 23h;  // past the longest TTL a run may use (--cache-ttl 86400)
  ASSERT_TRUE(api.list_service_tokens({"b", ""}));
  EXPECT_EQ(entries(), 1U) << "only the newest entry of this scope is left";
}

TEST_F(CloudflareApiCache, FailuresAreNotCached) {
  int calls = 0;
  FakeHttp http(
      [&](const http::Request&) { return ++calls == 1 ? failure(500, 10001, "boom") : envelope(tokens(0, 1)); });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_FALSE(api.list_service_tokens({}));
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U);
}

TEST_F(CloudflareApiCache, AWriteDropsTheCachedReads) {
  FakeHttp http([](const http::Request& r) {
    if (r.method == "POST") return envelope(token_json(1));
    return envelope(tokens(0, 2));
  });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_TRUE(api.refresh_service_token("abc"));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 3U);
}

TEST_F(CloudflareApiCache, ConcurrentMissesAskTheApiOnce) {
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  FakeHttp http([&](const http::Request&) {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(50ms);  // widen the window in which others miss too
    --in_flight;
    return envelope(tokens(0, 3));
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto s = cached(tmp.path());
      s.timeout = 30s;
      ApiClient api(http, s);
      auto list = api.list_service_tokens({});
      if (list && list->size() == 3U) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(http.count(), 1U);
  EXPECT_EQ(max_in_flight.load(), 1);
}

TEST_F(CloudflareApiCache, AnUnusableCacheDirectoryFallsBackToTheApi) {
  const std::string dir = tmp.path() + "/shared";
  ASSERT_EQ(::mkdir(dir.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  auto s = settings();
  s.cache.ttl = 60s;
  s.cache.dir = dir;
  ApiClient api(http, s, time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U) << "a world-writable directory is not trusted";
  bool logged = false;
  for (const auto& line : time.log) logged = logged || line.find("not private") != std::string::npos;
  EXPECT_TRUE(logged);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  // Said once at any verbosity, not only at -v: the user asked for a cache.
  ASSERT_EQ(time.warnings.size(), 1U);
  EXPECT_NE(time.warnings[0].find("API cache off"), std::string::npos) << time.warnings[0];
  EXPECT_NE(time.warnings[0].find(dir), std::string::npos) << time.warnings[0];
}

TEST_F(CloudflareApiCache, AFallbackHoldsTheCacheWhenTheFirstDirectoryIsUnusable) {
  // A HOME that is not a directory we can use (here: a file), then a private fallback.
  const std::string home_cache = tmp.write("not-a-dir", "x");
  const std::string fallback = tmp.path() + "/cfmon-1000";
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 2)); });
  auto s = settings();
  s.cache.ttl = 60s;
  s.cache.dir = home_cache;
  s.cache.fallbacks = {tmp.path() + "/missing-parent/cfmon-1000", fallback};
  {
    ApiClient api(http, s, time.hooks());
    ASSERT_TRUE(api.list_service_tokens({}));
  }
  ApiClient again(http, s, time.hooks());
  ASSERT_TRUE(again.list_service_tokens({}));
  EXPECT_EQ(http.count(), 1U) << "the second run reads the fallback";
  EXPECT_TRUE(time.warnings.empty()) << time.warnings.front();
  struct stat st {};
  ASSERT_EQ(::stat(fallback.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  // A fallback lives in a shared place: its parent is never made.
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/missing-parent"));
}

TEST_F(CloudflareApiCache, AFallbackThatIsASymbolicLinkIsRefused) {
  const std::string target = tmp.path() + "/elsewhere";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  const std::string link = tmp.path() + "/cfmon-1000";
  std::filesystem::create_directory_symlink(target, link);
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  auto s = settings();
  s.cache.ttl = 60s;
  s.cache.dir = tmp.write("file", "x");
  s.cache.fallbacks = {link};
  ApiClient api(http, s, time.hooks());
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_TRUE(std::filesystem::is_empty(target));
  ASSERT_EQ(time.warnings.size(), 1U);
}

TEST_F(CloudflareApiCache, ACorruptEntryIsAMiss) {
  FakeHttp http([](const http::Request&) { return envelope(tokens(0, 1)); });
  ApiClient api(http, cached(tmp.path()));
  ASSERT_TRUE(api.list_service_tokens({}));
  for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/cache/cfmon")) {
    if (e.path().extension() == ".json") std::ofstream(e.path()) << "{\"version\":1,\"stor";
  }
  ASSERT_TRUE(api.list_service_tokens({}));
  EXPECT_EQ(http.count(), 2U);
}

}  // namespace
}  // namespace cfmon::cloudflare
