#include "server.hpp"

#include <httplib.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stdexcept>

#include "access_keys.hpp"
#include "edge.hpp"
#include "random_text.hpp"

namespace cfmon::emulator {
namespace {

// httplib stores connection facts as pseudo-headers; they were never on the wire.
bool is_transport_pseudo_header(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
}

EdgeRequest to_edge_request(const httplib::Request& request) {
  EdgeRequest edge;
  edge.method = request.method;
  edge.target = request.target;
  edge.remote_addr = request.remote_addr;
  for (const auto& [name, value] : request.headers) {
    if (!is_transport_pseudo_header(name)) edge.headers.emplace_back(name, value);
  }
  return edge;
}

// One line per request for -v. Names the client id (public) but never a secret.
std::string describe(const EdgeRequest& request, const EdgeResponse& response) {
  const std::string* host = request.header("Host");
  std::string line = request.remote_addr + " " + request.method + " " + (host != nullptr ? *host : std::string("-")) +
                     request.target + " -> " + std::to_string(response.status) + " " + response.verdict;
  if (response.auth_event) {
    line +=
        " client_id=" + (response.auth_event->client_id.empty() ? std::string("-") : response.auth_event->client_id);
    line += " ray=" + response.auth_event->cf_ray;
  } else if (const std::string* ray = response.header("cf-ray")) {
    line += " ray=" + *ray;
  }
  return line;
}

}  // namespace

struct EdgeServer::Impl {
  std::shared_ptr<const EmulatorConfig> config;
  std::shared_ptr<TokenStore> tokens;
  std::shared_ptr<AuthLog> auth_log;
  ServerOptions options;
  httplib::SSLServer http;
  int listen_socket = -1;

  // Stop coordination. httplib's stop() is a no-op until listen has started, so a
  // stop() that races ahead of run() is remembered and applied once listening begins.
  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool stop_requested = false;
  bool listening = false;

  Impl(std::shared_ptr<const EmulatorConfig> c, std::shared_ptr<TokenStore> t, std::shared_ptr<AuthLog> a,
       const TlsMaterial& tls, ServerOptions o)
      : config(std::move(c)),
        tokens(std::move(t)),
        auth_log(std::move(a)),
        options(std::move(o)),
        http(tls.server_cert(), tls.server_key()) {
    if (!http.is_valid()) throw std::runtime_error("cannot create the TLS server context");
    // A client that hangs up mid-response must cost one connection, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    if (!options.clock) options.clock = [] { return Clock::now(); };
    SSL_CTX_set_min_proto_version(http.ssl_context(), TLS1_2_VERSION);  // as Cloudflare
    configure();
  }

  void configure() {
    const std::size_t workers = options.worker_threads;
    // Called by httplib inside listen, after it marked itself running: the one
    // moment at which a stop() that arrived early can take effect.
    http.new_task_queue = [this, workers] {
      on_listening();
      return new httplib::ThreadPool(workers);
    };
    http.set_keep_alive_max_count(100000);
    http.set_tcp_nodelay(true);
    http.set_payload_max_length(1 << 20);
    http.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_socket = sock;
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      res.status = 500;
      res.set_content("error code: 500", "text/plain");  // never echo the exception text
    });
    const auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    // GET also serves HEAD: httplib then sends the same status and headers, no body.
    http.Get(".*", handler);
    http.Post(".*", handler);
    http.Put(".*", handler);
    http.Patch(".*", handler);
    http.Delete(".*", handler);
    http.Options(".*", handler);
  }

  void on_listening() {
    std::lock_guard lock(mutex);
    listening = true;
    if (stop_requested) http.stop();
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    const EdgeRequest request = to_edge_request(req);
    if (options.api) {
      const std::string* host = request.header("Host");
      if (host != nullptr && normalize_host(*host) == options.api->host()) return handle_api(request, req, res);
    }
    if (config->access_keys) {
      const std::string* host = request.header("Host");
      if (host != nullptr && normalize_host(*host) == config->team_domain) return handle_team_domain(request, res);
    }
    const TimePoint now = options.clock();
    EdgeResponse response = handle_edge_request(*config, request, *tokens, now, random_ray_id(), options.access.get(),
                                                options.tunnels.get());
    if (response.auth_event) {
      // What the API reports as last_seen_at.
      if (response.auth_event->success) tokens->mark_seen(response.auth_event->token_id, now);
      auth_log->record(*response.auth_event);
    }
    if (options.request_log) options.request_log(describe(request, response));
    wait_for_origin(response.delay);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    res.body = std::move(response.body);
  }

  // The team domain: its signing keys (JWK set), and a test control to rotate them.
  void handle_team_domain(const EdgeRequest& request, httplib::Response& res) {
    const std::string path = request.target.substr(0, request.target.find('?'));
    std::string verdict = "not_found";
    res.status = 404;
    res.set_content("error code: 404", "text/plain");
    if (path == "/cdn-cgi/access/certs" && (request.method == "GET" || request.method == "HEAD")) {
      res.status = 200;
      res.set_content(config->access_keys->jwks().dump(), "application/json");
      verdict = "certs";
    } else if (path == "/__emulator/access-keys/rotate" && request.method == "POST") {
      res.status = 200;
      res.set_content(nlohmann::json{{"kid", config->access_keys->rotate()}}.dump(), "application/json");
      verdict = "keys_rotated";
    }
    if (options.request_log) {
      options.request_log(request.remote_addr + " " + request.method + " " + config->team_domain + path + " -> " +
                          std::to_string(res.status) + " " + verdict);
    }
  }

  void handle_api(const EdgeRequest& request, const httplib::Request& req, httplib::Response& res) {
    ApiHttpRequest api_request;
    api_request.method = request.method;
    api_request.target = request.target;
    api_request.headers = request.headers;
    api_request.body = req.body;
    ApiHttpResponse response = options.api->handle(api_request);
    if (options.request_log) {
      // The bearer token is a secret: the log names the route and outcome only.
      options.request_log(request.remote_addr + " " + request.method + " " + options.api->host() +
                          request.target.substr(0, request.target.find('?')) + " -> " +
                          std::to_string(response.status) + " " + response.verdict);
    }
    wait_for_origin(response.delay);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    res.body = std::move(response.body);
  }

  // Emulated origin latency; this worker only, and cut short by stop().
  void wait_for_origin(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) return;
    std::unique_lock lock(mutex);
    stopped_cv.wait_for(lock, delay, [this] { return stop_requested; });
  }
};

EdgeServer::EdgeServer(std::shared_ptr<const EmulatorConfig> config, std::shared_ptr<TokenStore> tokens,
                       std::shared_ptr<AuthLog> auth_log, const TlsMaterial& tls, ServerOptions options)
    : impl_(
          std::make_unique<Impl>(std::move(config), std::move(tokens), std::move(auth_log), tls, std::move(options))) {}

EdgeServer::~EdgeServer() {
  stop();
}

std::optional<int> EdgeServer::bind() {
  const std::string& host = impl_->options.listen_address;
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(host);
    if (port <= 0) return std::nullopt;
  } else if (!impl_->http.bind_to_port(host, port)) {
    return std::nullopt;
  }
  // httplib listens with a tiny backlog; a burst of hundreds of connects would see
  // SYN retries (1 s stalls). listen() again on the same socket only raises it.
  if (impl_->listen_socket >= 0) ::listen(impl_->listen_socket, SOMAXCONN);
  return port;
}

bool EdgeServer::run() {
  return impl_->http.listen_after_bind();
}

void EdgeServer::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->stop_requested = true;
  impl_->stopped_cv.notify_all();
  if (impl_->listening) impl_->http.stop();
}

}  // namespace cfmon::emulator
