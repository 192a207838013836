#include "fault_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "cfmon/tables.hpp"
#include "state_dir.hpp"
#include "tls_ca.hpp"

namespace cfmon::faults {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxRequestBytes = 64 * 1024;
constexpr auto kTricklePause = 200ms;  // ~5 bytes/s: any -t of a few seconds runs out first

// Host names the trusted certificate does NOT cover (their faults are about certificates).
constexpr std::string_view kWrongHost = "wrong-host";
constexpr std::string_view kExpired = "expired";
constexpr std::string_view kUntrusted = "untrusted";

const std::vector<FaultInfo> kHttpFaults = {
    {"ok", "a correct 200 answer (the control row)"},
    {"reset-before-headers", "reads the request, then resets the connection (RST) before any answer"},
    {"reset-after-headers", "sends 200 headers and part of the body, then resets the connection"},
    {"trickle-headers", "sends the status line and headers one byte every 200 ms"},
    {"trickle-body", "sends 200 headers at once, then the body one byte every 200 ms, forever"},
    {"huge-body", "200 with Content-Length: 8 GiB, streamed until the client hangs up"},
    {"huge-chunked-body", "200 with an endless chunked body, streamed until the client hangs up"},
    {"redirect-loop", "302 to the very same URL"},
    {"redirect-chain",
     "/ 302 to 'next' (relative), /next 302 to '//HOST/final' (protocol-relative), /final 200 if the request "
     "carries CF-Access-Client-Secret (or a token header naming it), else 403"},
    {"redirect-other-origin", "302 to https://ok.fault.test:PORT/ (another origin on this server)"},
    {"redirect-other-origin-cookie",
     "302 to https://ok.fault.test:PORT/ with Set-Cookie: CF_Authorization=... (Access let the request through)"},
    {"redirect-login-protocol-relative",
     "302 to //acme.cloudflareaccess.com/cdn-cgi/access/login/HOST?... (the login page, protocol-relative)"},
    {"redirect-to-https", "301 to https://HOST/ (Always Use HTTPS: another origin, before any token check)"},
    {"redirect-slow", "waits 800 ms, then 302 to the same path plus 'x' (a new URL each hop), forever"},
    {"header-never-ends", "HTTP/1.1 200 OK and one header line, then close: the header block never ends"},
    {"malformed-status", "a status line whose code is not a number (HTTP/1.1 2OO OK)"},
    {"no-headers", "no status line and no headers: plain bytes, then close (HTTP/0.9-ish)"},
    {"http10-close", "HTTP/1.0 200 without Content-Length: the body ends when the connection closes"},
    {"huge-headers", "200, then header lines forever"},
    {"tunnel-530-json", "530 with a pretty-printed Cloudflare JSON error body (error_code 1033)"},
    {"echo-status", "200 whose reason phrase is the request, lines reversed (credentials first)"},
    {"echo-header", "200 with X-Echo: the request, lines reversed (credentials first)"},
    {"echo-location", "302 whose Location carries the request, lines reversed (credentials first)"},
    {"echo-garbage", "the request bytes sent back as they came, no status line, then close"},
    {"echo-secret-status", "200 whose reason phrase is the client secret (or API token) alone"},
    {"echo-secret-header", "200 with X-Echo: the client secret (or API token) alone"},
    {"echo-secret-location", "302 whose Location carries the client secret (or API token) alone"},
    {"echo-secret-body", "200 whose body holds the secret alone and the credential header JSON-escaped"},
    {kExpired, "TLS: a certificate that expired (from an expired test CA in ca.pem); 200 past it"},
    {kWrongHost, "TLS: a certificate that does not name this host; 200 past it"},
    {kUntrusted, "TLS: a certificate from a CA that is not in ca.pem; 200 past it"},
};

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Binds 127.0.0.1 on an ephemeral port; listens unless `listen_too` is false.
int bind_loopback(bool listen_too) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    fail_errno("bind 127.0.0.1");
  }
  if (listen_too && ::listen(fd, 128) != 0) {
    ::close(fd);
    fail_errno("listen");
  }
  return fd;
}

int port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail_errno("getsockname");
  return ntohs(addr.sin_port);
}

void set_timeouts(int fd, std::chrono::seconds limit) {
  // A silent client must not pin a thread forever; stop() shuts sockets down anyway.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(limit.count());
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
};
using SslCtx = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

SslCtx server_context(const emulator::TlsMaterial& material) {
  SslCtx ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx.get(), material.server_cert()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), material.server_key()) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
    std::array<char, 256> reason{};
    ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
    throw std::runtime_error(std::string("TLS context: ") + reason.data());
  }
  return ctx;
}

std::vector<std::string> trusted_names() {
  std::vector<std::string> names;
  for (const auto& fault : kHttpFaults) {
    if (fault.name == kWrongHost || fault.name == kExpired || fault.name == kUntrusted) continue;
    names.push_back(std::string(fault.name) + "." + std::string(kFaultDomain));
  }
  return names;
}

std::string fault_name(std::string_view what) {
  return std::string(what) + "." + std::string(kFaultDomain);
}

// The request's lines, last first, joined by spaces: curl sends custom headers last, so
// the credentials lead the reflection and survive any truncation of it.
std::string reversed_one_line(std::string_view request) {
  std::vector<std::string_view> lines;
  while (!request.empty()) {
    const auto end = request.find("\r\n");
    const auto line = request.substr(0, end);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string_view::npos) break;
    request.remove_prefix(end + 2);
  }
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!out.empty()) out += ' ';
    out += *it;
  }
  return out;
}

std::optional<std::string> header_value(std::string_view request, std::string_view name) {
  const std::string wanted = lower(name) + ":";
  while (!request.empty()) {
    const auto end = request.find("\r\n");
    const auto line = request.substr(0, end);
    if (lower(line.substr(0, wanted.size())) == wanted) {
      auto value = line.substr(wanted.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      return std::string(value);
    }
    if (end == std::string_view::npos) break;
    request.remove_prefix(end + 2);
  }
  return std::nullopt;
}

// The secret alone, wherever the request carries it: CF-Access-Client-Secret, the
// "cf-access-client-secret" member of a JSON token header, or "Authorization: Bearer".
// Also the whole header value it came in, for reflections of that.
std::pair<std::string, std::string> reflected_secret(std::string_view request) {
  if (auto secret = header_value(request, "cf-access-client-secret")) return {*secret, *secret};
  constexpr std::string_view member = "\"cf-access-client-secret\":\"";
  for (auto rest = request; !rest.empty();) {
    const auto end = rest.find("\r\n");
    const auto line = rest.substr(0, end);
    if (const auto at = line.find(member); at != std::string_view::npos) {
      std::string value;  // the JSON string, unescaped
      for (auto i = at + member.size(); i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        value += line[i];
      }
      auto whole = line.substr(line.find(':') + 1);
      while (!whole.empty() && whole.front() == ' ') whole.remove_prefix(1);
      return {value, std::string(whole)};
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 2);
  }
  const std::string auth = header_value(request, "authorization").value_or("");
  if (lower(auth.substr(0, 7)) == "bearer ") return {auth.substr(7), auth};
  return {"", ""};
}

std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string request_path(std::string_view request) {
  const auto first = request.find(' ');
  if (first == std::string_view::npos) return "/";
  const auto second = request.find(' ', first + 1);
  return std::string(
      request.substr(first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1));
}

std::string head(std::string_view status_line, const std::vector<std::string>& headers) {
  std::string out(status_line);
  out += "\r\n";
  for (const auto& h : headers) out += h + "\r\n";
  return out + "\r\n";
}

std::string text_response(std::string_view status_line, std::string_view body, std::vector<std::string> headers = {}) {
  headers.emplace_back("Content-Type: text/plain");
  headers.emplace_back("Content-Length: " + std::to_string(body.size()));
  return head(status_line, headers) + std::string(body);
}

}  // namespace

const std::vector<FaultInfo>& http_faults() {
  return kHttpFaults;
}

std::string_view listener_name(Listener role) noexcept {
  static constexpr cfmon::EnumNames<Listener, 5> kListenerNames{
      {"https", "http", "tls-garbage", "tls-hangup", "tls-stall"}};
  static_assert(kListenerNames.ends_with(Listener::tls_stall));
  return kListenerNames(role, "?");
}

// Certificates: one trusted CA signs the everyday certificate; a second CA, expired
// along with everything it signed, is trusted too (so the only problem is the date);
// a third is trusted by nobody.
struct FaultServer::Tls {
  emulator::TlsMaterial valid = emulator::TlsMaterial::generate(trusted_names(), emulator::Clock::now());
  emulator::TlsMaterial expired =
      emulator::TlsMaterial::generate({fault_name(kExpired)}, emulator::Clock::now() - std::chrono::hours(24 * 90));
  emulator::TlsMaterial untrusted = emulator::TlsMaterial::generate({fault_name(kUntrusted)}, emulator::Clock::now());
  SslCtx valid_ctx = server_context(valid);
  SslCtx expired_ctx = server_context(expired);
  SslCtx untrusted_ctx = server_context(untrusted);

  Tls() {
    SSL_CTX_set_tlsext_servername_callback(valid_ctx.get(), &Tls::on_servername);
    SSL_CTX_set_tlsext_servername_arg(valid_ctx.get(), this);
  }

  // Picks the certificate by SNI; every other name gets the everyday one.
  static int on_servername(SSL* ssl, int* /*alert*/, void* arg) {
    auto* self = static_cast<Tls*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr) return SSL_TLSEXT_ERR_OK;
    const std::string host = lower(name);
    if (host == fault_name(kExpired)) SSL_set_SSL_CTX(ssl, self->expired_ctx.get());
    if (host == fault_name(kUntrusted)) SSL_set_SSL_CTX(ssl, self->untrusted_ctx.get());
    return SSL_TLSEXT_ERR_OK;
  }
};

// One accepted connection, plain or TLS. Blocking I/O; stop() unblocks it by shutting
// the socket down.
struct FaultServer::Socket {
  int fd = -1;
  SSL* ssl = nullptr;

  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (ssl != nullptr) SSL_free(ssl);
  }

  // > 0 bytes read, 0 end of stream, < 0 error.
  long read_some(char* buffer, std::size_t size) {
    if (ssl != nullptr) {
      const int n = SSL_read(ssl, buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
      return n > 0 ? n : (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
    }
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return static_cast<long>(n);
    }
  }

  // False once the peer is gone.
  bool write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const std::size_t chunk = std::min<std::size_t>(bytes.size(), 16 * 1024);
      long n = 0;
      if (ssl != nullptr) {
        n = SSL_write(ssl, bytes.data(), static_cast<int>(chunk));
      } else {
        n = static_cast<long>(::send(fd, bytes.data(), chunk, MSG_NOSIGNAL));
        if (n < 0 && errno == EINTR) continue;
      }
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The request head (up to the blank line), or nullopt if the client sent none.
  std::optional<std::string> read_request_head() {
    std::string request;
    std::array<char, 4096> buffer{};
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequestBytes) {
      const long n = read_some(buffer.data(), buffer.size());
      if (n <= 0) break;
      request.append(buffer.data(), static_cast<std::size_t>(n));
    }
    if (request.empty()) return std::nullopt;
    return request;
  }

  // RST instead of FIN: the next read on the client fails with "connection reset".
  void arm_reset() const {
    const linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }

  // close_notify (TLS), FIN, then drain until the client closes: closing a socket with
  // unread input sends RST, which would turn a clean ending into a "reset" fault.
  void finish_gracefully() {
    if (ssl != nullptr) (void)SSL_shutdown(ssl);
    ::shutdown(fd, SHUT_WR);
    std::array<char, 4096> buffer{};
    set_timeouts(fd, std::chrono::seconds(2));
    while (::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
    }
  }
};

FaultServer::FaultServer(std::filesystem::path state_dir, bool verbose)
    : state_dir_(std::move(state_dir)), verbose_(verbose), tls_(std::make_unique<Tls>()) {
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) fail_errno("pipe");
  for (const auto role :
       {Listener::https, Listener::http, Listener::tls_garbage, Listener::tls_hangup, Listener::tls_stall}) {
    listeners_[role] = bind_loopback(true);
  }
  refused_fd_ = bind_loopback(false);
}

FaultServer::~FaultServer() {
  for (const auto& [role, fd] : listeners_) ::close(fd);
  if (refused_fd_ >= 0) ::close(refused_fd_);
  for (const int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void FaultServer::run() {
  std::filesystem::create_directories(state_dir_);
  std::filesystem::remove(state_dir_ / "ports");
  emulator::write_file_atomically(state_dir_ / "ca.pem", tls_->valid.ca_cert_pem() + tls_->expired.ca_cert_pem(), 0644);
  std::string ports;
  for (const auto& [role, fd] : listeners_) {
    ports += std::string(listener_name(role)) + " " + std::to_string(port_of(fd)) + "\n";
  }
  ports += "refused " + std::to_string(port_of(refused_fd_)) + "\n";
  emulator::write_file_atomically(state_dir_ / "ports", ports, 0644);

  std::vector<pollfd> fds;
  std::vector<Listener> roles;
  for (const auto& [role, fd] : listeners_) {
    fds.push_back({fd, POLLIN, 0});
    roles.push_back(role);
  }
  fds.push_back({wake_pipe_[0], POLLIN, 0});
  while (!stopping()) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) != 0) accept_on(roles[i], fds[i].fd);
    }
  }

  // Cut every connection (trickles and stalls would otherwise run on) and wait.
  std::unique_lock lock(mutex_);
  for (const int fd : open_connections_) ::shutdown(fd, SHUT_RDWR);
  changed_.wait(lock, [&] { return active_threads_ == 0; });
  lock.unlock();
  std::filesystem::remove(state_dir_ / "ports");
}

void FaultServer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  const char byte = 'x';
  (void)!::write(wake_pipe_[1], &byte, 1);
}

bool FaultServer::pace(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, d, [&] { return stopping(); });
}

void FaultServer::accept_on(Listener role, int listen_fd) {
  const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  set_timeouts(fd, std::chrono::seconds(30));
  {
    std::lock_guard lock(mutex_);
    if (stopping()) {
      ::close(fd);
      return;
    }
    open_connections_.insert(fd);
    ++active_threads_;
  }
  // One thread per connection: faults block and sleep on purpose.
  std::thread([this, role, fd] {
    try {
      serve_connection(role, fd);
    } catch (const std::exception& e) {
      std::cerr << "cf-fault-server: " << listener_name(role) << ": " << e.what() << '\n';
    }
    std::lock_guard lock(mutex_);
    open_connections_.erase(fd);
    ::close(fd);
    --active_threads_;
    changed_.notify_all();
  }).detach();
}

void FaultServer::log_request(Listener role, std::string_view fault) {
  // One write per line with O_APPEND: tests count lines to prove what was requested.
  const std::string line = std::string(listener_name(role)) + " " + std::string(fault) + "\n";
  std::lock_guard lock(log_mutex_);
  const int fd = ::open((state_dir_ / "requests.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    (void)!::write(fd, line.data(), line.size());
    ::close(fd);
  }
  if (verbose_) std::cerr << "cf-fault-server: " << line;
}

void FaultServer::serve_connection(Listener role, int fd) {
  Socket socket;
  socket.fd = fd;
  std::array<char, 4096> buffer{};
  switch (role) {
    case Listener::tls_garbage:
      // Answer the ClientHello with bytes that are no TLS record at all.
      if (socket.read_some(buffer.data(), buffer.size()) > 0) {
        log_request(role, "-");
        (void)socket.write_all("NOT A SERVER HELLO\r\nNOT A SERVER HELLO\r\n");
      }
      socket.finish_gracefully();
      return;
    case Listener::tls_hangup:
      // Hang up in the middle of the handshake.
      if (socket.read_some(buffer.data(), buffer.size()) > 0) log_request(role, "-");
      socket.finish_gracefully();
      return;
    case Listener::tls_stall:
      // Take the ClientHello, then say nothing until the client gives up.
      if (socket.read_some(buffer.data(), buffer.size()) > 0) log_request(role, "-");
      while (!stopping() && socket.read_some(buffer.data(), buffer.size()) > 0) {
      }
      return;
    case Listener::https:
      socket.ssl = SSL_new(tls_->valid_ctx.get());
      if (socket.ssl == nullptr || SSL_set_fd(socket.ssl, fd) != 1) return;
      if (SSL_accept(socket.ssl) != 1) {
        // Expected for the certificate faults: the client rejects the certificate.
        ERR_clear_error();
        log_request(role, "handshake-rejected");
        return;
      }
      serve_http(socket, role);
      return;
    case Listener::http:
      serve_http(socket, role);
      return;
  }
}

void FaultServer::serve_http(Socket& socket, Listener role) {
  const auto request = socket.read_request_head();
  if (!request) return;
  const std::string host = header_value(*request, "host").value_or("");
  const std::string fault = lower(host.substr(0, host.find_first_of(".:")));
  log_request(role, fault.empty() ? "-" : fault);
  const std::string scheme = role == Listener::https ? "https" : "http";

  if (fault == "ok" || fault == kExpired || fault == kWrongHost || fault == kUntrusted) {
    (void)socket.write_all(text_response("HTTP/1.1 200 OK", "fault server: " + fault + "\n"));
  } else if (fault == "reset-before-headers") {
    socket.arm_reset();
    return;
  } else if (fault == "reset-after-headers") {
    if (!socket.write_all(head("HTTP/1.1 200 OK", {"Content-Type: text/plain", "Content-Length: 1048576"}) +
                          std::string(1024, 'x'))) {
      return;
    }
    // Let the client take the headers in before the reset arrives.
    for (int i = 0; i < 200; ++i) {
      int unsent = 0;
      if (::ioctl(socket.fd, SIOCOUTQ, &unsent) != 0 || unsent == 0 || !pace(5ms)) break;
    }
    (void)pace(100ms);
    socket.arm_reset();
    return;
  } else if (fault == "trickle-headers") {
    const std::string response = text_response("HTTP/1.1 200 OK", "slow\n");
    for (const char c : response) {
      if (!socket.write_all(std::string_view(&c, 1)) || !pace(kTricklePause)) return;
    }
  } else if (fault == "trickle-body") {
    if (!socket.write_all(head("HTTP/1.1 200 OK", {"Content-Type: text/plain", "Content-Length: 1048576"}))) return;
    while (pace(kTricklePause) && socket.write_all("x")) {
    }
    return;
  } else if (fault == "huge-body" || fault == "huge-chunked-body") {
    const bool chunked = fault == "huge-chunked-body";
    const std::string length = chunked ? "Transfer-Encoding: chunked" : "Content-Length: 8589934592";
    if (!socket.write_all(head("HTTP/1.1 200 OK", {"Content-Type: application/octet-stream", length}))) return;
    // Streamed from one small buffer: the peer never holds gigabytes, and neither may the client.
    const std::string block(64 * 1024, 'x');
    const std::string chunk = chunked ? "10000\r\n" + block + "\r\n" : block;
    while (!stopping() && socket.write_all(chunk)) {
    }
    return;
  } else if (fault == "redirect-loop") {
    const std::string self = scheme + "://" + host + request_path(*request);
    (void)socket.write_all(text_response("HTTP/1.1 302 Found", "again\n", {"Location: " + self}));
  } else if (fault == "redirect-chain") {
    const std::string path = request_path(*request);
    if (path == "/next") {
      (void)socket.write_all(text_response("HTTP/1.1 302 Found", "on\n", {"Location: //" + host + "/final"}));
    } else if (path == "/final") {
      const bool token = lower(*request).find("cf-access-client-secret") != std::string::npos;
      (void)socket.write_all(token ? text_response("HTTP/1.1 200 OK", "landed with the token\n")
                                   : text_response("HTTP/1.1 403 Forbidden", "no token on the last hop\n"));
    } else {
      (void)socket.write_all(text_response("HTTP/1.1 302 Found", "go\n", {"Location: next"}));
    }
  } else if (fault == "redirect-other-origin" || fault == "redirect-other-origin-cookie") {
    const auto colon = host.find(':');
    const std::string port = colon == std::string::npos ? std::string() : host.substr(colon);
    std::vector<std::string> headers{"Location: " + scheme + "://ok." + std::string(kFaultDomain) + port + "/"};
    if (fault == "redirect-other-origin-cookie") {
      headers.emplace_back("Set-Cookie: CF_Authorization=eyJhbGciOiJSUzI1NiJ9.e30.c2ln; Path=/; Secure; HttpOnly");
    }
    (void)socket.write_all(text_response("HTTP/1.1 302 Found", "elsewhere\n", headers));
  } else if (fault == "redirect-login-protocol-relative") {
    (void)socket.write_all(text_response("HTTP/1.1 302 Found", "log in\n",
                                         {"Location: //acme.cloudflareaccess.com/cdn-cgi/access/login/" +
                                          host.substr(0, host.find(':')) + "?kid=0123&redirect_url=%2F"}));
  } else if (fault == "redirect-to-https") {
    (void)socket.write_all(text_response("HTTP/1.1 301 Moved Permanently", "use https\n",
                                         {"Location: https://" + host.substr(0, host.find(':')) + "/"}));
  } else if (fault == "redirect-slow") {
    if (!pace(800ms)) return;
    (void)socket.write_all(
        text_response("HTTP/1.1 302 Found", "later\n", {"Location: " + request_path(*request) + "x"}));
  } else if (fault == "header-never-ends") {
    (void)socket.write_all("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
  } else if (fault == "malformed-status") {
    (void)socket.write_all(text_response("HTTP/1.1 2OO OK", "letters where the status code goes\n"));
  } else if (fault == "no-headers") {
    (void)socket.write_all("this is not HTTP: no status line, no headers, just bytes\n");
  } else if (fault == "http10-close") {
    (void)socket.write_all(head("HTTP/1.0 200 OK", {"Content-Type: text/plain"}) +
                           "the body ends where the connection does\n");
  } else if (fault == "huge-headers") {
    if (!socket.write_all("HTTP/1.1 200 OK\r\n")) return;
    const std::string filler(1000, 'h');
    for (unsigned long i = 0; !stopping(); ++i) {
      if (!socket.write_all("X-Filler-" + std::to_string(i) + ": " + filler + "\r\n")) return;
    }
    return;
  } else if (fault == "tunnel-530-json") {
    // Pretty-printed, as Cloudflare documents it: `"error_code": 1033` has a space.
    const std::string body =
        "{\n"
        "  \"type\": \"https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"
        "cloudflare-1xxx-errors/\",\n"
        "  \"status\": 530,\n"
        "  \"error_code\": 1033,\n"
        "  \"error_name\": \"cloudflare_tunnel_error\",\n"
        "  \"cloudflare_error\": true,\n"
        "  \"retryable\": true,\n"
        "  \"retry_after\": 120\n"
        "}\n";
    (void)socket.write_all(head("HTTP/1.1 530 <none>",
                                {"Server: cloudflare", "CF-RAY: 8f00000000000000-FRA", "Retry-After: 120",
                                 "Content-Type: application/json", "Content-Length: " + std::to_string(body.size())}) +
                           body);
  } else if (fault == "echo-status") {
    (void)socket.write_all(text_response("HTTP/1.1 200 " + reversed_one_line(*request), "echoed\n"));
  } else if (fault == "echo-header") {
    (void)socket.write_all(text_response("HTTP/1.1 200 OK", "echoed\n", {"X-Echo: " + reversed_one_line(*request)}));
  } else if (fault == "echo-location") {
    (void)socket.write_all(
        text_response("HTTP/1.1 302 Found", "echoed\n", {"Location: /echo?" + reversed_one_line(*request)}));
  } else if (fault.rfind("echo-secret-", 0) == 0) {
    const auto [secret, header] = reflected_secret(*request);
    if (fault == "echo-secret-status") {
      (void)socket.write_all(text_response("HTTP/1.1 200 " + secret, "echoed\n"));
    } else if (fault == "echo-secret-header") {
      (void)socket.write_all(text_response("HTTP/1.1 200 OK", "echoed\n", {"X-Echo: " + secret}));
    } else if (fault == "echo-secret-location") {
      (void)socket.write_all(text_response("HTTP/1.1 302 Found", "echoed\n", {"Location: /echo?s=" + secret}));
    } else {
      (void)socket.write_all(text_response(
          "HTTP/1.1 200 OK", "{\"secret\":\"" + secret + "\",\"header\":\"" + json_escaped(header) + "\"}\n"));
    }
  } else if (fault == "echo-garbage") {
    (void)socket.write_all(*request);
  } else {
    std::string body =
        "cf-fault-server: no fault named '" + fault + "'. Faults (<name>." + std::string(kFaultDomain) + "):\n";
    for (const auto& f : kHttpFaults) body += "  " + std::string(f.name) + ": " + std::string(f.summary) + "\n";
    (void)socket.write_all(text_response("HTTP/1.1 404 Not Found", body));
  }
  socket.finish_gracefully();
}

}  // namespace cfmon::faults
