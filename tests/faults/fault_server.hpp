#pragma once
// A deliberately broken peer for the fault-matrix tests. cpp-httplib (the emulator's
// server) always speaks correct HTTP; this one resets, trickles, lies and sends garbage
// on purpose, over TLS (OpenSSL directly) and plain TCP, all on 127.0.0.1.
//
// HTTP-level faults are chosen by the first label of the Host header
// (`trickle-body.fault.test` -> "trickle-body"); certificate faults by the TLS SNI name;
// handshake faults and "connection refused" by a dedicated port.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cfmon::faults {

// The domain every fault host name lives under.
inline constexpr std::string_view kFaultDomain = "fault.test";

struct FaultInfo {
  std::string_view name;     // first label of the host name
  std::string_view summary;  // what the peer does, for --help and the 404 page
};

// Every HTTP-level fault, in a stable order.
const std::vector<FaultInfo>& http_faults();

// Listeners by role. Their ports are published in STATE_DIR/ports as "<role> <port>".
enum class Listener { https, http, tls_garbage, tls_hangup, tls_stall };

class FaultServer {
 public:
  // Generates the certificates, binds every port (not yet accepting). Throws
  // std::runtime_error naming what failed.
  explicit FaultServer(std::filesystem::path state_dir, bool verbose);
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  // Writes ca.pem, then (last, atomically: the readiness signal) the ports file, then
  // accepts connections until stop().
  void run();
  // Safe from any thread: wakes run(), cuts every open connection, waits for them.
  void stop();

 private:
  struct Tls;
  struct Socket;

  void accept_on(Listener role, int listen_fd);
  void serve_connection(Listener role, int fd);
  void serve_http(Socket& socket, Listener role);
  void log_request(Listener role, std::string_view fault);
  // Waits `d`, or less when stopping; false when stopping.
  bool pace(std::chrono::milliseconds d);
  [[nodiscard]] bool stopping() const noexcept { return stopping_.load(); }

  std::filesystem::path state_dir_;
  bool verbose_;
  std::unique_ptr<Tls> tls_;
  std::map<Listener, int> listeners_;  // role -> listening socket
  int refused_fd_ = -1;                // bound, never listening: connections are refused
  int wake_pipe_[2] = {-1, -1};

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<int> open_connections_;
  std::size_t active_threads_ = 0;
  std::mutex log_mutex_;
};

std::string_view listener_name(Listener role) noexcept;

}  // namespace cfmon::faults
