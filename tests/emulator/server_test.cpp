// End to end in-process: the real EdgeServer on an ephemeral port, spoken to through
// httplib::SSLClient with certificate verification ON against the generated CA.
#include "server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "state_dir.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::emulator {
namespace {

const std::string kClientId = "feedfacefeedfacefeedfacefeedface.access";
const std::string kSecret = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
const httplib::Headers kTokenHeaders{
    {"CF-Access-Client-Id", kClientId}, {"CF-Access-Client-Secret", kSecret}, {"User-Agent", "cfmon-emulator-test"}};

// A running emulator: bound before its thread starts, so no readiness wait is needed.
struct RunningEmulator {
  explicit RunningEmulator(ServerOptions options = {})
      : config(std::make_shared<const EmulatorConfig>(load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now()))),
        tokens(std::make_shared<TokenStore>()),
        auth_log(std::make_shared<AuthLog>()),
        tls(TlsMaterial::generate(config->app_hosts(), Clock::now())),
        state_dir(temp.path()) {
    for (const auto& token : config->tokens) tokens->insert(token);
    prepare_state_dir(state_dir, tls);
    server = std::make_unique<EdgeServer>(config, tokens, auth_log, tls, std::move(options));
    const auto bound = server->bind();
    if (!bound) throw std::runtime_error("bind failed");
    port = *bound;
    thread = std::thread([this] { run_result = server->run(); });
  }

  ~RunningEmulator() { stop(); }

  void stop() {
    server->stop();
    if (thread.joinable()) thread.join();
  }

  // A client for `host` that reaches 127.0.0.1 and trusts only the emulator's CA.
  std::unique_ptr<httplib::SSLClient> client(const std::string& host) const {
    auto client = std::make_unique<httplib::SSLClient>(host, port);
    client->set_hostname_addr_map({{host, "127.0.0.1"}});
    client->set_ca_cert_path((state_dir / "ca.pem").string());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(30);
    client->set_read_timeout(30);
    return client;
  }

  std::shared_ptr<const EmulatorConfig> config;
  std::shared_ptr<TokenStore> tokens;
  std::shared_ptr<AuthLog> auth_log;
  TlsMaterial tls;
  cfmon::testing::TempDir temp;
  std::filesystem::path state_dir;
  std::unique_ptr<EdgeServer> server;
  int port = 0;
  std::atomic<bool> run_result{false};
  std::thread thread;
};

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { emulator = std::make_unique<RunningEmulator>(); }
  static void TearDownTestSuite() { emulator.reset(); }
  static std::unique_ptr<RunningEmulator> emulator;
};
std::unique_ptr<RunningEmulator> ServerTest::emulator;

TEST_F(ServerTest, ValidTokenThroughVerifiedTls) {
  auto client = emulator->client("ok.cfemu.test");
  const auto result = client->Get("/", kTokenHeaders);
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "hello from ok");
  EXPECT_EQ(result->get_header_value("server"), "cloudflare");
  EXPECT_TRUE(std::regex_match(result->get_header_value("cf-ray"), std::regex("[0-9a-f]{16}-AMS")));
  EXPECT_EQ(result->get_header_value("Set-Cookie").rfind("CF_Authorization=", 0), 0U);
}

TEST_F(ServerTest, HeadHasSameStatusAndHeadersWithoutBody) {
  auto client = emulator->client("ok.cfemu.test");
  const auto get = client->Get("/", kTokenHeaders);
  const auto head = client->Head("/", kTokenHeaders);
  ASSERT_TRUE(get);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, get->status);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->get_header_value("Content-Length"), get->get_header_value("Content-Length"));
  EXPECT_EQ(head->get_header_value("Content-Type"), get->get_header_value("Content-Type"));
  const auto denied = emulator->client("legacy-403.cfemu.test")->Head("/", kTokenHeaders);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_TRUE(denied->body.empty());
  EXPECT_TRUE(denied->has_header("CF-Access-Aud"));
}

TEST_F(ServerTest, AccessAnswersOnTheWire) {
  const auto redirect = emulator->client("login-redirect.cfemu.test")->Get("/x?y=1", kTokenHeaders);
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->get_header_value("Location")
                .rfind("https://acme.cloudflareaccess.com/cdn-cgi/access/login/login-redirect.cfemu.test?kid=", 0),
            0U);
  // httplib's client percent-decodes Location when parsing; edge_test checks the raw
  // "%2Fx%3Fy%3D1" encoding.
  EXPECT_NE(redirect->get_header_value("Location").find("&redirect_url=/x?y=1"), std::string::npos)
      << redirect->get_header_value("Location");

  const auto denied = emulator->client("strict-no-policy.cfemu.test")->Get("/", kTokenHeaders);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(denied->get_header_value("CF-Access-Domain"), "strict-no-policy.cfemu.test");

  httplib::Headers wrong = kTokenHeaders;
  wrong.find("CF-Access-Client-Secret")->second = std::string(64, '0');
  const auto unauthorized = emulator->client("strict-ok.cfemu.test")->Get("/", wrong);
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
}

TEST_F(ServerTest, PostIsHandledLikeGet) {
  const auto result = emulator->client("ok.cfemu.test")->Post("/api", kTokenHeaders, "{}", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(ServerTest, UnknownHostIs530) {
  httplib::Headers headers = kTokenHeaders;
  headers.emplace("Host", "nope.cfemu.test");  // TLS to a known name, then an unknown Host
  const auto result = emulator->client("ok.cfemu.test")->Get("/", headers);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 530);
  EXPECT_EQ(result->body, "error code: 1001");
}

TEST_F(ServerTest, CertificateDoesNotCoverOtherNames) {
  const auto result = emulator->client("evil.example")->Get("/", kTokenHeaders);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::SSLServerVerification);
}

TEST_F(ServerTest, AuthLogRecordsWhatTheEdgeSaw) {
  const auto result = emulator->client("ok.cfemu.test")->Get("/", kTokenHeaders);
  ASSERT_TRUE(result);
  const std::string ray = result->get_header_value("cf-ray");
  const auto events = emulator->auth_log->snapshot();
  const auto it = std::find_if(events.begin(), events.end(), [&](const AuthEvent& e) { return e.cf_ray == ray; });
  ASSERT_NE(it, events.end());
  EXPECT_TRUE(it->success);
  EXPECT_EQ(it->source_ip, "127.0.0.1");
  EXPECT_EQ(it->client_id, kClientId);
  EXPECT_EQ(it->token_id, "11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(it->app_host, "ok.cfemu.test");
}

TEST_F(ServerTest, EchoListsRequestHeadersButNoTransportPseudoHeaders) {
  const auto result = emulator->client("echo.cfemu.test")->Get("/", kTokenHeaders);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_NE(result->body.find("CF-Access-Client-Secret: " + kSecret), std::string::npos);
  EXPECT_NE(result->body.find("User-Agent: cfmon-emulator-test"), std::string::npos);
  EXPECT_EQ(result->body.find("REMOTE_ADDR"), std::string::npos);
}

// Many clients at once, each reusing its connection: none may wait for another.
TEST_F(ServerTest, ManyConcurrentKeepAliveClients) {
  constexpr int kClients = 64;
  constexpr int kRequestsEach = 4;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&ok] {
      auto client = emulator->client("strict-ok.cfemu.test");
      client->set_keep_alive(true);
      for (int r = 0; r < kRequestsEach; ++r) {
        const auto result = client->Get("/", kTokenHeaders);
        if (result && result->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kClients * kRequestsEach);
}

TEST(ServerLifecycle, StopBeforeRunIsHonoured) {
  const auto config = std::make_shared<const EmulatorConfig>(load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now()));
  const auto tls = TlsMaterial::generate(config->app_hosts(), Clock::now());
  ServerOptions options;
  options.worker_threads = 2;
  EdgeServer server(config, std::make_shared<TokenStore>(), std::make_shared<AuthLog>(), tls, options);
  ASSERT_TRUE(server.bind());
  server.stop();
  EXPECT_TRUE(server.run());  // returns at once instead of serving forever
}

// A stop() must not wait for an emulated slow origin: the delay is cut short.
TEST(ServerLifecycle, StopCutsOriginDelayShort) {
  std::mutex mutex;
  std::condition_variable cv;
  bool handler_started = false;
  ServerOptions options;
  options.request_log = [&](const std::string&) {
    std::lock_guard lock(mutex);
    handler_started = true;
    cv.notify_all();
  };
  RunningEmulator emulator(options);
  std::optional<int> status;
  std::thread request([&] {
    const auto result = emulator.client("slow.cfemu.test")->Get("/", kTokenHeaders);
    if (result) status = result->status;
  });
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return handler_started; }));
  }
  const auto stop_started = std::chrono::steady_clock::now();
  emulator.stop();
  request.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::milliseconds(2500));
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace cfmon::emulator
