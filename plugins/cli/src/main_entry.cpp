// cf-service-token's real world: the terminal, clock, environment and clients wired into
// the CLI (main.cpp calls it; the tests wire fakes into run_cli instead).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <utility>

#include "cfmon/plugin.hpp"
#include "cli.hpp"

namespace cfmon::cli {
namespace {

void print_to_stderr(std::string_view line) {
  std::cerr << line << '\n';
}

}  // namespace

int main_entry(int argc, char** argv) {
  plugin::harden_process();
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  CliContext context(std::cout, std::cerr);
  context.stdout_is_tty = ::isatty(STDOUT_FILENO) == 1;
  context.stdin_is_tty = ::isatty(STDIN_FILENO) == 1;
  context.read_line = []() -> std::optional<std::string> {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  };
  context.env = process_environment();
  context.now = [] { return std::chrono::system_clock::now(); };
  context.make_http = [](http::Transport transport, int verbosity) -> std::unique_ptr<http::Client> {
    return std::make_unique<http::CurlClient>(std::move(transport), verbosity,
                                              verbosity >= 3 ? &print_to_stderr : nullptr);
  };
  context.make_api = [](http::Client& http, cloudflare::ApiSettings settings,
                        cloudflare::ApiHooks hooks) -> std::unique_ptr<cloudflare::TokenAdmin> {
    return std::make_unique<cloudflare::ApiClient>(http, std::move(settings), std::move(hooks));
  };
  try {
    return run_cli(args, context);
  } catch (const std::exception& e) {
    // Messages of our code never hold a secret; this is the one catch-all.
    std::cerr << "cf-service-token: internal error: " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace cfmon::cli
