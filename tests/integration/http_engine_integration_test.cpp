// CurlClient against the emulator: what the engine promises every check (body cap,
// independent deadlines, outcomes in request order, handles reused safely).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>
#include <variant>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfmon/http.hpp"
#include "daemon_support.hpp"
#include "harness.hpp"

namespace cfmon::testing {
namespace {

// The emulator's names resolved to it, its CA trusted.
http::Transport transport_to(const Emulator& emu) {
  http::Transport t;
  t.resolve = {"*:" + std::to_string(emu.port()) + ":127.0.0.1"};
  t.ca_file = emu.ca_file();
  return t;
}

http::Request request_to(const Emulator& emu, const std::string& app, const std::string& path = "/") {
  http::Request r;
  r.url = emu.url(app, path);
  r.headers.emplace_back("CF-Access-Client-Id", emu.client_id("monitoring"));
  r.secret_headers.emplace_back("CF-Access-Client-Secret", Secret(emu.client_secret("monitoring")));
  r.timeout = std::chrono::seconds(10);
  return r;
}

const http::Response& response_of(const http::Outcome& outcome) {
  if (const auto* error = std::get_if<http::TransportError>(&outcome)) {
    throw std::runtime_error("transport error: " + error->message);
  }
  return std::get<http::Response>(outcome);
}

TEST(HttpEngine, ReadsNoBodyBeyondTheCap) {
  auto& emu = shared_emulator();
  auto capped = request_to(emu, "ok");
  capped.max_body_bytes = 5;
  auto whole = request_to(emu, "ok");
  http::CurlClient client(transport_to(emu));
  const auto outcomes = client.perform({capped, whole}, 2);
  const auto& cut = response_of(outcomes.at(0));
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.body, "hello");
  EXPECT_TRUE(cut.body_truncated);
  EXPECT_EQ(cut.body_bytes, 5U);
  const auto& full = response_of(outcomes.at(1));
  EXPECT_EQ(full.body, "hello from ok");
  EXPECT_FALSE(full.body_truncated);
}

TEST(HttpEngine, EachRequestKeepsItsOwnDeadlineAndOutcomesComeInRequestOrder) {
  auto& emu = shared_emulator();
  auto stuck = request_to(emu, "slow");
  stuck.timeout = std::chrono::milliseconds(800);
  const std::vector<http::Request> requests{stuck, request_to(emu, "ok"), request_to(emu, "origin-502"),
                                            request_to(emu, "delay-100"), request_to(emu, "not-found")};
  http::CurlClient client(transport_to(emu));
  const auto start = std::chrono::steady_clock::now();
  const auto outcomes = client.perform(requests, 5);
  const auto wall = std::chrono::steady_clock::now() - start;

  ASSERT_EQ(outcomes.size(), requests.size());
  const auto* timeout = std::get_if<http::TransportError>(&outcomes[0]);
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(timeout->kind, http::ErrorKind::timeout);
  EXPECT_GE(timeout->timings.total, 0.7);
  const std::vector<long> statuses{200, 502, 200, 404};
  for (std::size_t i = 1; i < outcomes.size(); ++i) {
    const auto& response = response_of(outcomes[i]);
    EXPECT_EQ(response.status, statuses[i - 1]) << requests[i].url;
    EXPECT_LT(response.timings.total, 0.8) << requests[i].url << " waited for the stuck request";
  }
  EXPECT_LT(wall, std::chrono::milliseconds(1800));
}

TEST(HttpEngine, MoreRequestsThanSlotsReuseHandlesWithoutMixingThemUp) {
  auto& emu = shared_emulator();
  std::vector<http::Request> requests;
  const std::vector<std::string> apps{"ok", "not-found", "origin-502", "app-redirect"};
  const std::vector<long> statuses{200, 404, 502, 302};
  for (int i = 0; i < 40; ++i) {
    auto r = request_to(emu, apps[static_cast<std::size_t>(i) % apps.size()], "/" + std::to_string(i));
    if (i % 3 == 0) r.method = "HEAD";  // a reused handle must not stay in HEAD mode
    requests.push_back(std::move(r));
  }
  http::CurlClient client(transport_to(emu));
  for (const std::size_t parallel : {std::size_t{1}, std::size_t{3}, std::size_t{64}}) {
    const auto outcomes = client.perform(requests, parallel);
    ASSERT_EQ(outcomes.size(), requests.size());
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const auto& response = response_of(outcomes[i]);
      EXPECT_EQ(response.status, statuses[i % apps.size()]) << "parallel " << parallel << ", request " << i;
      if (i % 3 == 0) {
        EXPECT_TRUE(response.body.empty()) << "HEAD " << i;
      } else if (statuses[i % apps.size()] == 200) {
        EXPECT_EQ(response.body, "hello from ok") << "GET " << i;
      }
    }
  }
}

// One deadline for a whole batch (check_cf_access's -t): a request whose turn comes
// after it is never sent, and the batch ends by it however many wait for a slot.
TEST(HttpEngine, ASharedDeadlineEndsTheWholeBatch) {
  auto& emu = shared_emulator();
  std::vector<http::Request> requests;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  for (int i = 0; i < 4; ++i) {
    auto r = request_to(emu, "slow", "/" + std::to_string(i));  // answers after 3 s
    r.deadline = deadline;
    requests.push_back(std::move(r));
  }
  http::CurlClient client(transport_to(emu));
  const auto start = std::chrono::steady_clock::now();
  const auto outcomes = client.perform(requests, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1800)) << "not 4 x 10 s";
  std::size_t not_sent = 0;
  for (const auto& outcome : outcomes) {
    const auto* error = std::get_if<http::TransportError>(&outcome);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->kind, http::ErrorKind::timeout) << error->message;
    if (error->message.find("not started") != std::string::npos) ++not_sent;
  }
  EXPECT_EQ(not_sent, 3U) << "one slot: the first request took the whole budget";
}

// The API client and anything else that does not ask never follows a redirect; a probe
// that asks follows it inside the origin, with its headers, and says where it landed.
TEST(HttpEngine, RedirectsAreFollowedOnlyWhenAsked) {
  auto& emu = shared_emulator();
  auto plain = request_to(emu, "app-redirect");
  auto following = request_to(emu, "app-redirect");
  following.max_redirects = 5;
  http::CurlClient client(transport_to(emu));
  const auto outcomes = client.perform({plain, following}, 2);
  const auto& stayed = response_of(outcomes[0]);
  EXPECT_EQ(stayed.status, 302);
  EXPECT_EQ(stayed.redirects, 0U);
  const auto& landed = response_of(outcomes[1]);
  EXPECT_EQ(landed.status, 200) << "the token went along: Access let the second hop through";
  EXPECT_EQ(landed.body, "dashboard of app-redirect");
  EXPECT_EQ(landed.redirects, 1U);
  EXPECT_EQ(landed.url, emu.url("app-redirect", "/dashboard"));
}

TEST(HttpEngine, ACaFileMeansOnlyThatCa) {
  auto& emu = shared_emulator();
  // Any other CA, e.g. the one of a second emulator: the first one's certificate must fail.
  Emulator other(CFMON_EMULATOR_CONFIG);
  auto wrong_ca = transport_to(emu);
  wrong_ca.ca_file = other.ca_file();
  auto system_store = transport_to(emu);
  system_store.ca_file.clear();
  std::vector<http::Outcome> outcomes;
  for (const auto& transport : {wrong_ca, system_store, transport_to(emu)}) {
    http::CurlClient client(transport);
    outcomes.push_back(client.perform({request_to(emu, "ok")}, 1).at(0));
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const auto* error = std::get_if<http::TransportError>(&outcomes[i]);
    ASSERT_NE(error, nullptr) << i;
    EXPECT_EQ(error->kind, http::ErrorKind::tls) << error->message;
  }
  EXPECT_EQ(response_of(outcomes[2]).status, 200);
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Cloudflare's edge speaks HTTP/2; the emulator does not, so nginx stands in for it here,
// with the emulator's certificate. nginx logs each request's connection serial number.
TEST(HttpEngine, ManyRequestsToOneHttp2HostShareOneConnection) {
  CFMON_REQUIRE_TOOL("/usr/sbin/nginx", "nginx-light");
  auto& emu = shared_emulator();
  const std::string tls_dir = std::filesystem::path(emu.ca_file()).parent_path().string();
  TempDir dir;
  const int port = closed_port();
  const std::string d = dir.path();
  spit(d + "/nginx.conf", "daemon off;\nworker_processes 1;\npid " + d + "/nginx.pid;\nerror_log " + d +
                              "/error.log;\n"
                              "events { worker_connections 256; }\n"
                              "http {\n"
                              "  log_format conn '$connection $server_protocol $request_uri';\n"
                              "  access_log " +
                              d +
                              "/access.log conn;\n"
                              "  client_body_temp_path " +
                              d + "/tmp; proxy_temp_path " + d + "/tmp; fastcgi_temp_path " + d +
                              "/tmp;\n"
                              "  uwsgi_temp_path " +
                              d + "/tmp; scgi_temp_path " + d +
                              "/tmp;\n"
                              "  server {\n"
                              "    listen 127.0.0.1:" +
                              std::to_string(port) +
                              " ssl http2;\n"
                              "    ssl_certificate " +
                              tls_dir +
                              "/server.pem;\n"
                              "    ssl_certificate_key " +
                              tls_dir +
                              "/server.key;\n"
                              "    location / { return 200 \"hello from nginx\\n\"; }\n"
                              "  }\n"
                              "}\n");
  Daemon nginx({"/usr/sbin/nginx", "-e", d + "/error.log", "-p", d, "-c", d + "/nginx.conf"}, d + "/nginx.out");
  ASSERT_TRUE(wait_until([&] { return accepts_connections(port); }, std::chrono::seconds(20)))
      << slurp(d + "/error.log") << slurp(d + "/nginx.out");

  constexpr std::size_t kRequests = 40;
  std::vector<http::Request> requests;
  for (std::size_t i = 0; i < kRequests; ++i) {
    auto r = request_to(emu, "ok");
    r.url = "https://ok.cfemu.test:" + std::to_string(port) + "/app/" + std::to_string(i);
    requests.push_back(std::move(r));
  }
  auto transport = transport_to(emu);
  transport.resolve = {"ok.cfemu.test:" + std::to_string(port) + ":127.0.0.1"};
  http::CurlClient client(transport);
  const auto outcomes = client.perform(requests, kRequests);
  for (const auto& outcome : outcomes) {
    const auto& response = response_of(outcome);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.http_version, "2");
    EXPECT_EQ(response.body, "hello from nginx\n");
  }
  nginx.stop();

  std::istringstream log(slurp(d + "/access.log"));
  std::set<std::string> connections;
  std::size_t lines = 0;
  for (std::string connection, protocol, uri; log >> connection >> protocol >> uri; ++lines) {
    connections.insert(connection);
    EXPECT_EQ(protocol, "HTTP/2.0") << uri;
  }
  EXPECT_EQ(lines, kRequests);
  EXPECT_EQ(connections.size(), 1U) << "all requests multiplexed over one connection";
}

}  // namespace
}  // namespace cfmon::testing
