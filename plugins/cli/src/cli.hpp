#pragma once
// cf-service-token: the human admin CLI for Cloudflare Access service tokens.
// Everything the process touches (streams, terminal, clock, environment, the
// API and HTTP clients) comes in through CliContext, so the commands are
// testable with fakes; main() only wires the real ones.
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/http.hpp"
#include "env_file_writer.hpp"

namespace cfmon::cli {

inline constexpr const char* kProgram = "cf-service-token";

// Exit codes (also printed by --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;        // API error, token not found, verify/test failed
inline constexpr int kExitUsage = 2;         // bad arguments or configuration, ambiguous name
inline constexpr int kExitNotPersisted = 3;  // the new secret could not be saved: printed once instead
inline constexpr int kExitAborted = 4;       // the user did not confirm

struct CliContext {
  CliContext(std::ostream& out_stream, std::ostream& err_stream) : out(out_stream), err(err_stream) {}

  std::ostream& out;
  std::ostream& err;
  bool stdout_is_tty = false;
  bool stdin_is_tty = false;
  // One line from the user (confirmation); nullopt at end of input.
  std::function<std::optional<std::string>()> read_line;
  EnvLookup env;
  std::function<cloudflare::TimePoint()> now;
  // The HTTP client of one command: the common options' transport (plugin::transport_of).
  std::function<std::unique_ptr<http::Client>(http::Transport transport, int verbosity)> make_http;
  std::function<std::unique_ptr<cloudflare::TokenAdmin>(http::Client& http, cloudflare::ApiSettings settings,
                                                        cloudflare::ApiHooks hooks)>
      make_api;
  // How --env-file is written (defaults; tests inject a failing directory sync).
  EnvWriteOptions env_write;
};

// The whole program: args without argv[0]; returns the exit code.
int run_cli(const std::vector<std::string>& args, CliContext& context);

// main(): the real terminal, clock, environment, HTTP and API clients, then run_cli.
int main_entry(int argc, char** argv);

}  // namespace cfmon::cli
