// cf-fault-server: a deliberately broken HTTP(S) peer for the fault-matrix tests.
//   cf-fault-server --state-dir DIR [-v]
// Exit: 0 after SIGTERM/SIGINT, 2 for usage errors, 1 for runtime failures.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include "fault_server.hpp"

namespace {

constexpr const char* kProgram = "cf-fault-server";

void print_help() {
  std::cout << "Usage: " << kProgram << " --state-dir DIR [-v]\n"
            << "A deliberately broken HTTP(S) peer on 127.0.0.1 for testing probes. TEST ONLY.\n\n"
            << "Writes DIR/ca.pem (trust it with --ca-file) and then, once listening, DIR/ports:\n"
            << "  https PORT        TLS; the fault is the first label of the Host (SNI for certificates)\n"
            << "  http PORT         the same faults over plain TCP\n"
            << "  tls-garbage PORT  answers the ClientHello with garbage\n"
            << "  tls-hangup PORT   closes the connection during the handshake\n"
            << "  tls-stall PORT    takes the ClientHello and never answers\n"
            << "  refused PORT      bound but not listening: connections are refused\n"
            << "Every request is logged as a line \"<listener> <fault>\" to DIR/requests.log.\n\n"
            << "Faults, as https://<name>." << cfmon::faults::kFaultDomain << ":PORT/ (use --resolve):\n";
  for (const auto& fault : cfmon::faults::http_faults()) {
    std::cout << "  " << fault.name << ": " << fault.summary << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts (threads inherit the mask); one thread sigwaits.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Peers hang up mid-write all the time here; that is a failed write, not a death.
  signal(SIGPIPE, SIG_IGN);

  std::string state_dir;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--state-dir" && i + 1 < argc) {
      state_dir = argv[++i];
    } else if (arg == "-v" || arg == "--verbose") {
      verbose = true;
    } else if (arg == "-h" || arg == "--help") {
      print_help();
      return 0;
    } else {
      std::cerr << kProgram << ": unknown argument '" << arg << "' (try --help)\n";
      return 2;
    }
  }
  if (state_dir.empty()) {
    std::cerr << kProgram << ": --state-dir is required (try --help)\n";
    return 2;
  }

  try {
    cfmon::faults::FaultServer server(state_dir, verbose);
    std::thread signal_waiter([&server, signals] {
      int received = 0;
      sigwait(&signals, &received);
      server.stop();
    });
    int status = 0;
    try {
      server.run();
    } catch (const std::exception& e) {
      std::cerr << kProgram << ": " << e.what() << '\n';
      status = 1;
    }
    // If run() ended on its own, wake the waiter; after a real signal this is harmless.
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
    signal_waiter.join();
    return status;
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": " << e.what() << '\n';
    return 1;
  }
}
