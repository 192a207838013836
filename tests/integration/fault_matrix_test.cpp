// check_cf_access against a deliberately broken peer (tests/faults, cf-fault-server):
// one row per hostile network behaviour. Every row must give the right state and
// reason code, one line a person understands, and an exit within the timeout plus one
// second; and the service token secret never shows, whatever the peer sends back.
// The table is documented in plugins/access/README.md ("Hostile networks").
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"

extern char** environ;

namespace cfmon::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kClientId = "fault-probe.access";
// Distinctive, so a partial leak would still be found by a plain substring search.
constexpr const char* kCanary = "canary5f3b9c2a7d1e4f60a8b2c4d6e8f0a1b3c5d7e9f1";
constexpr int kTimeoutSeconds = 2;
constexpr auto kDeadline = std::chrono::milliseconds((kTimeoutSeconds + 1) * 1000);

// cf-fault-server as a child process: ports from its state dir, stopped by SIGTERM.
class FaultPeer {
 public:
  FaultPeer() {
    std::vector<std::string> argv_strings{CFMON_FAULT_SERVER, "--state-dir", state_.path()};
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, CFMON_FAULT_SERVER, nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start the fault server");
    }
    // Readiness: the ports file appears (atomically) only once every port listens.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(state_.path() + "/ports");
      std::string role;
      int port = 0;
      while (in >> role >> port) ports_[role] = port;
      if (ports_.count("refused") != 0U) return;
      ports_.clear();
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("the fault server exited at start");
      }
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("the fault server did not start listening within 30 s");
  }
  ~FaultPeer() {
    if (pid_ > 0 && !stop_within(10s)) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  FaultPeer(const FaultPeer&) = delete;
  FaultPeer& operator=(const FaultPeer&) = delete;

  // SIGTERM, then the exit status if the peer is gone within `limit`.
  std::optional<int> stop_within(std::chrono::milliseconds limit) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(5ms);
    }
    pid_ = -1;
    return status;
  }
  [[nodiscard]] const std::string& state_dir() const { return state_.path(); }
  [[nodiscard]] int port(const std::string& role) const { return ports_.at(role); }
  [[nodiscard]] std::string ca_file() const { return state_.path() + "/ca.pem"; }
  // Requests the peer has seen for `fault` on `listener` (it logs one line each).
  [[nodiscard]] std::size_t requests(const std::string& listener, const std::string& fault) const {
    std::ifstream in(state_.path() + "/requests.log");
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) {
      if (line == listener + " " + fault) ++count;
    }
    return count;
  }

 private:
  TempDir state_;
  pid_t pid_ = -1;
  std::map<std::string, int> ports_;
};

FaultPeer& fault_peer() {
  static FaultPeer peer;
  return peer;
}

struct Row {
  const char* fault;     // host label, i.e. the fault the peer plays
  const char* listener;  // https, http, a handshake port, refused, or "dns"
  int state;
  const char* reason;
  std::vector<std::string> says;  // all of these appear in the one-line message
  const char* never_says = nullptr;
};

std::ostream& operator<<(std::ostream& os, const Row& row) {
  return os << row.fault << "@" << row.listener;
}

bool over_plain_http(const Row& row) {
  return std::string(row.listener) == "http";
}

std::string row_url(const Row& row) {
  const std::string scheme = over_plain_http(row) ? "http" : "https";
  return scheme + "://" + row.fault + ".fault.test:" + std::to_string(fault_peer().port(row.listener)) + "/";
}

// Plain http:// rows send the token in clear text on purpose: that takes the flag, and
// earns a warning on stderr.
std::string expected_stderr(const Row& row) {
  if (!over_plain_http(row)) return "";
  return "warning: --allow-insecure-http: the service token goes unencrypted to " + row_url(row) + "\n";
}

std::vector<std::string> probe_args(const Row& row) {
  if (std::string(row.listener) == "dns") {
    return {"-u", std::string("https://") + row.fault + ".invalid/", "-t", std::to_string(kTimeoutSeconds)};
  }
  auto& peer = fault_peer();
  const std::string host = std::string(row.fault) + ".fault.test:" + std::to_string(peer.port(row.listener));
  std::vector<std::string> args{"-u",        row_url(row),   "--resolve", host + ":127.0.0.1",
                                "--ca-file", peer.ca_file(), "-t",        std::to_string(kTimeoutSeconds)};
  if (over_plain_http(row)) args.emplace_back("--allow-insecure-http");
  return args;
}

std::map<std::string, std::string> token_env() {
  return {{"CF_SERVICE_TOKEN_CLIENT_ID", kClientId}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", kCanary}};
}

RunResult probe(const Row& row, std::vector<std::string> extra) {
  auto args = probe_args(row);
  args.insert(args.end(), extra.begin(), extra.end());
  // The hard limit only turns a hang into a failure; the deadline is asserted below.
  return run(CFMON_CHECK_CF_ACCESS, args, token_env(), 30s);
}

const char* state_name(int s) {
  static const char* const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  return names[s];
}

class FaultMatrix : public ::testing::TestWithParam<Row> {};

TEST_P(FaultMatrix, Json) {
  const Row& row = GetParam();
  const auto r = probe(row, {"--format", "json"});
  EXPECT_LT(r.wall, kDeadline) << "-t " << kTimeoutSeconds << " must end the probe within one more second";
  EXPECT_EQ(r.exit_code, row.state) << r.out << r.err;
  const auto doc = json::parse(r.out);
  ASSERT_EQ(doc.at("children").size(), 1U) << r.out;
  const auto& target = doc.at("children")[0];
  EXPECT_EQ(target.at("state"), row.state) << r.out;
  EXPECT_EQ(target.at("reason"), row.reason) << r.out;
  const std::string message = target.at("message");
  for (const auto& part : row.says) EXPECT_NE(message.find(part), std::string::npos) << message;
  if (row.never_says != nullptr) {
    EXPECT_EQ(message.find(row.never_says), std::string::npos) << message;
  }
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(r.out.find(kCanary), std::string::npos) << "stdout leaks the secret";
  EXPECT_EQ(r.err.find(kCanary), std::string::npos) << "stderr leaks the secret";
}

TEST_P(FaultMatrix, NagiosOneLine) {
  const Row& row = GetParam();
  const auto r = probe(row, {});
  EXPECT_LT(r.wall, kDeadline) << "-t " << kTimeoutSeconds << " must end the probe within one more second";
  EXPECT_EQ(r.exit_code, row.state) << r.out << r.err;
  const std::string head = std::string("CF-ACCESS ") + state_name(row.state) + " - " + row.fault;
  EXPECT_EQ(r.out.rfind(head, 0), 0U) << r.out;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line, and only one: " << r.out;
  const std::string text = r.out.substr(0, r.out.find(" | "));
  for (const auto& part : row.says) EXPECT_NE(text.find(part), std::string::npos) << text;
  EXPECT_EQ(r.err, expected_stderr(row));
}

// Formats and verbosities are where a reflected secret would surface: the curl trace at
// -vvv prints every header the peer sends, messages quote Location, JSON holds it all.
TEST_P(FaultMatrix, SecretNeverShowsAtAnyVerbosityInAnyFormat) {
  const Row& row = GetParam();
  for (const char* format : {"nagios", "influx", "zabbix", "json"}) {
    const auto r = probe(row, {"--format", format, "-vvv"});
    EXPECT_GE(r.exit_code, 0) << format;
    EXPECT_EQ(r.out.find(kCanary), std::string::npos) << "stdout leaks the secret in " << format << ": " << r.out;
    EXPECT_EQ(r.err.find(kCanary), std::string::npos) << "stderr leaks the secret in " << format << ": " << r.err;
    EXPECT_EQ(r.cmdline.find(kCanary), std::string::npos) << format;
  }
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string name = std::string(info.param.fault) + "_" + info.param.listener;
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

// The rows of plugins/access/README.md#hostile-networks, in its order.
INSTANTIATE_TEST_SUITE_P(
    EveryFault, FaultMatrix,
    ::testing::Values(
        Row{"ok", "https", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"refused", "refused", 2, "connect_error", {"cannot reach the edge: connection failed"}},
        Row{"no-such-app", "dns", 2, "dns_error", {"cannot reach the edge: DNS lookup failed"}},
        Row{"reset-before-headers", "https", 2, "protocol_error", {"connection reset by the server"}, "after the HTTP"},
        Row{"reset-after-headers",
            "https",
            2,
            "protocol_error",
            {"connection reset by the server", "after the HTTP 200 headers"}},
        Row{"trickle-headers", "https", 2, "timeout", {"no complete answer in time"}, "after the HTTP"},
        Row{"trickle-body", "https", 2, "timeout", {"no complete answer in time", "after the HTTP 200 headers"}},
        // Body cap: a normal classified answer, long before the 2 s timeout could strike.
        Row{"huge-body", "https", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"huge-chunked-body", "https", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"redirect-loop",
            "https",
            2,
            "redirect_loop",
            {"redirect loop: https://redirect-loop.fault.test:",
             "redirects back to https://redirect-loop.fault.test:"}},
        // Redirects inside the origin are followed, the token re-sent: relative, then
        // protocol-relative; the last hop answers 200 only when it carries the token.
        Row{"redirect-chain",
            "https",
            0,
            "token_accepted",
            {"token accepted (HTTP 200 after 2 redirects, at https://redirect-chain.fault.test:", "/final)"}},
        // Another origin is never followed: no evidence that Access saw the token...
        Row{"redirect-other-origin",
            "https",
            1,
            "redirect_unverified",
            {"redirect to https://ok.fault.test:", "before the token could be checked; probe the final URL"}},
        // ... unless Access set its cookie on the way out.
        Row{"redirect-other-origin-cookie",
            "https",
            0,
            "app_redirect",
            {"token accepted (Access set CF_Authorization), app redirects to https://ok.fault.test:"}},
        Row{"redirect-login-protocol-relative", "https", 2, "login_redirect", {"Access sent the login page"}},
        Row{"header-never-ends", "https", 2, "protocol_error", {"broken HTTP answer", "the header block never ended"}},
        Row{"malformed-status", "https", 2, "protocol_error", {"broken HTTP answer: malformed HTTP status line"}},
        Row{"expired", "https", 2, "tls_error", {"TLS failed: certificate expired", "certificate has expired"}},
        Row{"wrong-host", "https", 2, "tls_error", {"TLS failed: certificate is for another host name"}},
        Row{"untrusted", "https", 2, "tls_error", {"TLS failed: certificate signed by an untrusted CA"}},
        Row{"garbage", "tls-garbage", 2, "tls_error", {"TLS failed: the server does not speak TLS there"}},
        Row{"hangup", "tls-hangup", 2, "tls_error", {"TLS failed: connection closed during the TLS handshake"}},
        Row{"stall", "tls-stall", 2, "timeout", {"no complete answer in time"}},
        Row{"http10-close", "https", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"huge-headers", "https", 2, "protocol_error", {"response headers larger than 65536 bytes"}},
        Row{"tunnel-530-json", "https", 1, "tunnel_down", {"error 1033", "(HTTP 530)"}},
        Row{"no-headers", "https", 2, "protocol_error", {"broken HTTP answer: no HTTP status line"}},
        // The same over plain TCP, where no TLS layer frames or ends the stream.
        Row{"ok", "http", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"reset-after-headers",
            "http",
            2,
            "protocol_error",
            {"connection reset by the server", "after the HTTP 200 headers"}},
        Row{"huge-body", "http", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"malformed-status", "http", 2, "protocol_error", {"malformed HTTP status line"}},
        Row{"http10-close", "http", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"no-headers", "http", 2, "protocol_error", {"no HTTP status line"}},
        Row{"header-never-ends", "http", 2, "protocol_error", {"the header block never ended"}},
        // Always Use HTTPS: Cloudflare redirects before Access looks at the token.
        Row{"redirect-to-https",
            "http",
            1,
            "redirect_unverified",
            {"redirect to https://redirect-to-https.fault.test:443 before the token could be checked"}},
        // Peers that reflect the request, credentials first.
        Row{"echo-status", "https", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        Row{"echo-header", "https", 0, "token_accepted", {"token accepted (HTTP 200)"}},
        // A relative Location: followed inside the origin, which echoes again, and again.
        Row{"echo-location",
            "https",
            2,
            "redirect_loop",
            {"still redirecting after 5 redirects", "/echo?CF-Access-Client-Secret:+<redacted>"}},
        Row{"echo-garbage", "https", 2, "protocol_error", {"no HTTP status line"}}),
    row_name);

TEST(FaultMatrixExtra, RedirectLoopIsRequestedExactlyOnce) {
  auto& peer = fault_peer();
  const Row row{"redirect-loop", "https", 0, "redirect_loop", {}};
  const std::size_t before = peer.requests("https", "redirect-loop");
  const auto r = probe(row, {});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  // The peer logs a request before it answers, so after our exit the count is final.
  EXPECT_EQ(peer.requests("https", "redirect-loop"), before + 1) << "a Location already requested is a loop";
}

TEST(FaultMatrixExtra, EveryHopInsideTheOriginIsRequestedWithTheToken) {
  auto& peer = fault_peer();
  const std::size_t before = peer.requests("https", "redirect-chain");
  for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--token-header", "Authorization"}}) {
    const auto r = probe(Row{"redirect-chain", "https", 0, "", {}}, extra);
    EXPECT_EQ(r.exit_code, 0) << "the last hop answers 200 only with the token: " << r.out;
  }
  EXPECT_EQ(peer.requests("https", "redirect-chain"), before + 6);
}

TEST(FaultMatrixExtra, MaxRedirectsBoundsTheHops) {
  const Row row{"redirect-chain", "https", 0, "", {}};
  const auto none = probe(row, {"--max-redirects", "0", "--format", "json"});
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_EQ(json::parse(none.out).at("children")[0].at("reason"), "redirect_unverified") << none.out;
  const auto one = probe(row, {"--max-redirects", "1"});
  EXPECT_EQ(one.exit_code, 2) << one.out;
  EXPECT_NE(one.out.find("still redirecting after 1 redirect "), std::string::npos) << one.out;
  const auto bad = probe(row, {"--max-redirects", "-1"});
  EXPECT_EQ(bad.exit_code, 3) << bad.out;
}

// Every hop takes 800 ms: with its own 2 s each, five hops would take 4 s; sharing the
// run's budget, the probe ends by -t with a timeout that names the hops behind it.
TEST(FaultMatrixExtra, RedirectHopsShareTheTimeout) {
  const auto r = probe(Row{"redirect-slow", "https", 0, "", {}}, {"--format", "json"});
  EXPECT_LT(r.wall, kDeadline);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const auto doc = json::parse(r.out);
  const auto& target = doc.at("children")[0];
  EXPECT_EQ(target.at("reason"), "timeout") << r.out;
  const std::string message = target.at("message");
  EXPECT_NE(message.find(" redirect"), std::string::npos) << "which hop ran out: " << message;
}

TEST(FaultMatrixExtra, AnotherOriginNeverSeesTheRequest) {
  auto& peer = fault_peer();
  const std::size_t before = peer.requests("https", "ok");
  for (const char* fault : {"redirect-other-origin", "redirect-other-origin-cookie"}) {
    for (const auto& extra : std::vector<std::vector<std::string>>{
             {}, {"--resolve", "*:" + std::to_string(peer.port("https")) + ":127.0.0.1"}}) {
      const auto r = probe(Row{fault, "https", 0, "", {}}, extra);
      EXPECT_NE(r.exit_code, 3) << r.out;
    }
  }
  // The redirect names ok.fault.test on the same server: had it been followed (even with
  // a --resolve entry that covers it), the peer would have logged it.
  EXPECT_EQ(peer.requests("https", "ok"), before) << "the token went to another origin";
}

TEST(FaultMatrixExtra, PlainHttpTargetIsRefusedBeforeAnyRequest) {
  auto& peer = fault_peer();
  const std::size_t before = peer.requests("http", "ok");
  const Row row{"ok", "http", 0, "", {}};
  auto args = probe_args(row);
  args.pop_back();  // no --allow-insecure-http
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, token_env(), 30s);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(r.out.rfind("CF-ACCESS UNKNOWN - ", 0), 0U) << r.out;
  const std::string https_url = "https://ok.fault.test:" + std::to_string(peer.port("http")) + "/";
  EXPECT_NE(r.out.find("is " + row_url(row) + ": the service token would cross the network unencrypted; use " +
                       https_url + " (or --allow-insecure-http)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(peer.requests("http", "ok"), before) << "nothing may be sent";
  EXPECT_EQ(r.out.find(kCanary), std::string::npos);
}

// -t is the budget of the whole run: N stalled targets one at a time (--parallel 1),
// each probed twice (--expect-protected), still end by -t. Targets that never got their
// turn say so, as timeouts.
RunResult stalled_run(int targets, const std::string& timeout, std::vector<std::string> extra) {
  auto& peer = fault_peer();
  static TempDir dir;
  const std::string host = "trickle-headers.fault.test:" + std::to_string(peer.port("https"));
  std::string list;
  for (int i = 0; i < targets; ++i)
    list += "stalled-" + std::to_string(i) + " https://" + host + "/" + std::to_string(i) + "\n";
  std::vector<std::string> args{"--targets-file",
                                dir.write("targets-" + std::to_string(targets), list),
                                "--resolve",
                                host + ":127.0.0.1",
                                "--ca-file",
                                peer.ca_file(),
                                "-t",
                                timeout};
  args.insert(args.end(), extra.begin(), extra.end());
  return run(CFMON_CHECK_CF_ACCESS, args, token_env(), 120s);
}

TEST(FaultMatrixExtra, StalledTargetsOneAtATimeEndWithinTheTimeout) {
  const auto r =
      stalled_run(6, std::to_string(kTimeoutSeconds), {"--parallel", "1", "--expect-protected", "--format", "json"});
  // Before: 6 targets x 2 probes x 2 s, one after the other (24 s).
  EXPECT_LT(r.wall, kDeadline) << "-t " << kTimeoutSeconds << " is the budget of the whole run";
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto doc = json::parse(r.out);
  ASSERT_EQ(doc.at("children").size(), 6U) << r.out;
  std::size_t not_started = 0;
  for (const auto& child : doc.at("children")) {
    EXPECT_EQ(child.at("reason"), "timeout") << child.dump();
    const std::string message = child.at("message");
    if (message.find("not started") != std::string::npos) ++not_started;
  }
  EXPECT_GE(not_started, 1U) << "with --parallel 1 some target cannot have had its turn: " << r.out;
}

// The value after `option` on a line of a shipped config file.
std::string value_after(const std::string& line, const std::string& option) {
  const auto at = line.find(option);
  if (at == std::string::npos) return "";
  std::istringstream rest(line.substr(at + option.size()));
  std::string value;
  rest >> value;
  return value;
}

std::vector<std::string> lines_with(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t");
    const bool comment = first != std::string::npos && line[first] == '#';
    if (line.find(needle) != std::string::npos && !comment) out.push_back(line);
  }
  return out;
}

// The Zabbix agent kills a UserParameter after its Timeout (3 s unless raised, as the
// shipped conf says): every key's -t must leave a margin, and a stalled target list at
// that -t must really end inside the agent's Timeout.
TEST(ShippedTimeouts, ZabbixKeysEndInsideTheAgentTimeout) {
  constexpr double kAgentTimeout = 3.0;
  const auto keys =
      lines_with(std::string(CFMON_SOURCE_DIR) + "/zabbix/userparameter_cf_access.conf", "--format zabbix");
  ASSERT_FALSE(keys.empty());
  std::string timeout;
  for (const auto& key : keys) {
    timeout = value_after(key, "--timeout ");
    ASSERT_FALSE(timeout.empty()) << "no --timeout: the default (10 s) outlives the agent: " << key;
    EXPECT_LE(std::stod(timeout) + 1.0, kAgentTimeout) << key;
  }
  const auto r = stalled_run(60, timeout, {"--parallel", "1", "--format", "zabbix"});
  EXPECT_LT(r.wall, std::chrono::milliseconds(static_cast<int>(kAgentTimeout * 1000)));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(json::parse(r.out).size(), 60U) << "every target has its value";
}

// Telegraf's exec input kills the command after its block's `timeout`.
TEST(ShippedTimeouts, TelegrafBlockEndsInsideItsTimeout) {
  const std::string path = std::string(CFMON_SOURCE_DIR) + "/telegraf/cf_access.conf";
  const auto commands = lines_with(path, "check_cf_access ");
  ASSERT_EQ(commands.size(), 1U);
  const std::string check_timeout = value_after(commands[0], "--timeout ");
  ASSERT_FALSE(check_timeout.empty()) << commands[0];
  // The first `timeout = "Ns"` after the check's command belongs to its block.
  std::ifstream in(path);
  bool in_block = false;
  double exec_timeout = 0;
  for (std::string line; std::getline(in, line);) {
    if (line == commands[0]) in_block = true;
    if (in_block && line.find("timeout = \"") != std::string::npos && line.find('#') == std::string::npos) {
      exec_timeout = std::stod(line.substr(line.find('"') + 1));
      break;
    }
  }
  ASSERT_GT(exec_timeout, 0.0);
  EXPECT_LE(std::stod(check_timeout) * 1.5, exec_timeout) << "a margin of half the check's -t at least";
  const auto r = stalled_run(60, check_timeout, {"--parallel", "1", "--format", "influx"});
  EXPECT_LT(r.wall, std::chrono::milliseconds(static_cast<int>(exec_timeout * 1000)));
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(FaultMatrixExtra, EchoingPeersReallyReflectedTheSecret) {
  // Without this, the canary rows could pass because nothing was ever echoed.
  const auto status = probe(Row{"echo-status", "https", 0, "", {}}, {"-vvv"});
  EXPECT_NE(status.err.find("< HTTP/1.1 200 CF-Access-Client-Secret: <redacted>"), std::string::npos) << status.err;
  const auto header = probe(Row{"echo-header", "https", 0, "", {}}, {"-vvv"});
  EXPECT_NE(header.err.find("< X-Echo: CF-Access-Client-Secret: <redacted>"), std::string::npos) << header.err;
}

TEST(FaultMatrixExtra, SingleHeaderTokenIsRedactedWhenReflected) {
  for (const char* fault : {"echo-status", "echo-header", "echo-location"}) {
    for (const char* format : {"nagios", "influx", "zabbix", "json"}) {
      const auto r =
          probe(Row{fault, "https", 0, "", {}}, {"--token-header", "Authorization", "--format", format, "-vvv"});
      EXPECT_EQ(r.out.find(kCanary), std::string::npos) << fault << " " << format << ": " << r.out;
      EXPECT_EQ(r.err.find(kCanary), std::string::npos) << fault << " " << format << ": " << r.err;
      EXPECT_NE(r.err.find("Authorization: <redacted>"), std::string::npos) << fault << " " << format;
    }
  }
}

TEST(FaultMatrixExtra, TimeoutStateAppliesToTricklingPeers) {
  const auto r = probe(Row{"trickle-body", "https", 0, "", {}}, {"--timeout-state", "warning"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_LT(r.wall, kDeadline);
}

// The peer itself: SIGTERM stops it promptly even while it trickles to a client.
TEST(FaultServerProcess, StopsOnSigtermWhileTrickling) {
  FaultPeer peer;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(peer.port("http")));
  const timeval limit{10, 0};  // a broken peer fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET / HTTP/1.1\r\nHost: trickle-body.fault.test\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  // The headers come at once: the peer is now in its endless trickle.
  std::string received;
  char buffer[512];
  while (received.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0);
    received.append(buffer, static_cast<std::size_t>(n));
  }

  const auto status = peer.stop_within(2s);
  ASSERT_TRUE(status.has_value()) << "still running 2 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_FALSE(std::ifstream(peer.state_dir() + "/ports").good()) << "the ports file goes with the peer";
  ::close(fd);
}

}  // namespace
}  // namespace cfmon::testing
