#pragma once
// The edge on the wire: httplib::SSLServer feeding handle_edge_request(). Every
// connection gets its own worker from a large pool, so slow origins and hundreds of
// idle keep-alive connections do not starve each other.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api.hpp"
#include "auth_log.hpp"
#include "config.hpp"
#include "tls_ca.hpp"
#include "token_store.hpp"

namespace cfmon::emulator {

struct ServerOptions {
  std::string listen_address = "127.0.0.1";
  int port = 0;  // 0 = ephemeral
  std::size_t worker_threads = 256;
  // Receives one line per request (never a secret); empty = silent.
  std::function<void(const std::string&)> request_log;
  // Injected so tests can move time; defaults to the system clock.
  std::function<TimePoint()> clock;
  // When set, requests whose Host is api->host() go to the v4 API emulator.
  std::shared_ptr<ApiEmulator> api;
  // When set, Access decides from these policies (changed at run time by the API's admin
  // endpoints); otherwise from the config's.
  std::shared_ptr<const AccessDirectory> access;
  // When set, the edge answers 530 / 1033 for apps behind a tunnel without connections.
  std::shared_ptr<const TunnelStore> tunnels;
};

class EdgeServer {
 public:
  EdgeServer(std::shared_ptr<const EmulatorConfig> config, std::shared_ptr<TokenStore> tokens,
             std::shared_ptr<AuthLog> auth_log, const TlsMaterial& tls, ServerOptions options);
  ~EdgeServer();
  EdgeServer(const EdgeServer&) = delete;
  EdgeServer& operator=(const EdgeServer&) = delete;

  // Binds and listens. From here on clients can connect (they wait in the backlog
  // until run() accepts), so the caller can publish the port before run().
  // Returns the bound port, or nullopt when binding failed.
  std::optional<int> bind();

  // Serves until stop(). Returns false when the accept loop ended on an error.
  bool run();

  // Thread-safe and idempotent; works before run() started, during, or after it ended.
  // Also cuts short any emulated origin delay in progress.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cfmon::emulator
