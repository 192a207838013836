// cf-access-emulator: a local Cloudflare Access edge for trying and testing the checks.
//   cf-access-emulator --config FILE --state-dir DIR [--listen 127.0.0.1] [--port 0]
//                      [--schema-strict] [--contract SCHEMA.yaml] [-v]
// Exit: 0 after SIGTERM/SIGINT, 2 for usage or config errors, 1 for runtime failures.
#include <pthread.h>
#include <signal.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "access_keys.hpp"
#include "auth_log.hpp"
#include "config.hpp"
#include "server.hpp"
#include "state_dir.hpp"
#include "tls_ca.hpp"
#include "token_store.hpp"

namespace po = boost::program_options;
using namespace cfmon::emulator;

namespace {

constexpr const char* kProgram = "cf-access-emulator";

struct CliOptions {
  std::string config_path;
  std::string state_dir;
  std::string listen = "127.0.0.1";
  int port = 0;
  std::size_t threads = 256;
  long long clock_offset = 0;
  bool schema_strict = false;
  std::string contract;
  bool verbose = false;
  bool help = false;
};

po::options_description describe_options(CliOptions& cli) {
  po::options_description options("Options");
  // clang-format off
  options.add_options()
      ("config", po::value(&cli.config_path)->value_name("FILE"), "emulator config (JSON), required")
      ("state-dir", po::value(&cli.state_dir)->value_name("DIR"),
       "where ca.pem, server.pem, server.key and port are written; created if missing")
      ("listen", po::value(&cli.listen)->value_name("ADDR")->default_value(cli.listen), "address to bind")
      ("port", po::value(&cli.port)->value_name("N")->default_value(cli.port), "TCP port; 0 = ephemeral")
      ("threads", po::value(&cli.threads)->value_name("N")->default_value(cli.threads),
       "worker threads = concurrent connections served")
      ("clock-offset", po::value(&cli.clock_offset)->value_name("SECONDS")->default_value(0),
       "start with the clock moved by this many seconds (also POST /__emulator/clock)")
      ("schema-strict", po::bool_switch(&cli.schema_strict),
       "schema-minimal API answers (as api.schema_strict in the config)")
      ("contract", po::value(&cli.contract)->value_name("SCHEMA"),
       "check every API exchange against this OpenAPI file; violations go to <state-dir>/contract-violations.jsonl")
      ("verbose,v", po::bool_switch(&cli.verbose), "log one line per request to stderr")
      ("help,h", po::bool_switch(&cli.help), "show this help");
  // clang-format on
  return options;
}

// Fills cli; throws po::error (usage) with a one-line message.
void parse_cli(int argc, char** argv, const po::options_description& options, const CliOptions& cli) {
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
  po::notify(vm);
  if (cli.help) return;
  if (cli.config_path.empty()) throw po::error("--config is required");
  if (cli.state_dir.empty()) throw po::error("--state-dir is required");
  if (cli.port < 0 || cli.port > 65535) throw po::error("--port must be 0-65535");
  if (cli.threads < 1 || cli.threads > 4096) throw po::error("--threads must be 1-4096");
}

// Termination signals are handled by one thread with sigwait(), so stopping the server
// happens in ordinary code rather than in an async-signal handler. They must be
// blocked before any other thread starts, because threads inherit the mask.
sigset_t block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

std::function<void(const std::string&)> stderr_request_log() {
  auto mutex = std::make_shared<std::mutex>();
  return [mutex](const std::string& line) {
    std::lock_guard lock(*mutex);
    std::cerr << kProgram << ": " << line << '\n';
  };
}

int serve(const CliOptions& cli, std::shared_ptr<const EmulatorConfig> config, sigset_t signals) {
  auto tokens = std::make_shared<TokenStore>();
  for (const auto& token : config->tokens) tokens->insert(token);
  const TlsMaterial tls = TlsMaterial::generate(config->certificate_hosts(), Clock::now());
  const std::filesystem::path state_dir(cli.state_dir);
  prepare_state_dir(state_dir, tls);

  ServerOptions options;
  options.listen_address = cli.listen;
  options.port = cli.port;
  options.worker_threads = cli.threads;
  if (cli.verbose) options.request_log = stderr_request_log();
  // One clock for the edge and the API, so moving it expires tokens in both.
  auto clock = std::make_shared<ControlledClock>(std::chrono::seconds(cli.clock_offset));
  options.clock = [clock] { return clock->now(); };
  auto auth_log = std::make_shared<AuthLog>();
  // One Access state for the edge and the API, so a policy changed through the API's
  // admin endpoints changes what the edge admits.
  auto access = std::make_shared<AccessDirectory>(*config);
  options.access = access;
  if (config->api.enabled) {
    options.api = std::make_shared<ApiEmulator>(config->api, tokens, clock);
    options.api->set_access_directory(access);
    options.api->set_auth_log(auth_log);  // GraphQL login events: what this edge saw
    auto tunnels = std::make_shared<TunnelStore>(config->tunnels, config->api.account_id, config->api.default_per_page);
    options.api->set_tunnels(tunnels);
    options.tunnels = tunnels;
    if (cli.schema_strict) options.api->set_schema_strict(true);
    if (!cli.contract.empty()) {
      options.api->set_contract(
          std::make_shared<const cfmon::contract::Contract>(cfmon::contract::Contract::load_file(cli.contract)),
          (state_dir / "contract-violations.jsonl").string());
    }
  }
  const std::string api_note =
      config->api.enabled ? ", API on https://" + config->api.host + ":<port>/client/v4" : std::string();
  const std::size_t app_count = config->apps.size();
  EdgeServer server(std::move(config), tokens, auth_log, tls, options);

  const auto port = server.bind();
  if (!port) {
    std::cerr << kProgram << ": cannot listen on " << cli.listen << ":" << cli.port << '\n';
    return 1;
  }
  publish_port(state_dir, *port);
  std::cerr << kProgram << ": listening on https://" << cli.listen << ":" << *port << " (" << app_count << " apps"
            << api_note << ", state dir " << cli.state_dir << ")\n";

  std::thread signal_waiter([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  const bool clean = server.run();
  // If run() ended on its own, wake the waiter; after a real signal this is harmless.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  retract_port(state_dir);
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const sigset_t signals = block_termination_signals();
  CliOptions cli;
  po::options_description options = describe_options(cli);
  try {
    parse_cli(argc, argv, options, cli);
  } catch (const po::error& e) {
    std::cerr << kProgram << ": " << e.what() << " (try --help)\n";
    return 2;
  }
  if (cli.help) {
    std::cout << "Usage: " << kProgram << " --config FILE --state-dir DIR [options]\n"
              << "A local Cloudflare Access edge emulator (TLS, in-memory tokens).\n\n"
              << options;
    return 0;
  }
  std::shared_ptr<const EmulatorConfig> config;
  try {
    auto loaded = load_config_file(cli.config_path, Clock::now());
    loaded.access_keys = std::make_shared<AccessKeys>();  // real RS256 JWTs and a certs endpoint
    config = std::make_shared<const EmulatorConfig>(std::move(loaded));
  } catch (const ConfigError& e) {
    std::cerr << kProgram << ": bad config: " << e.what() << '\n';
    return 2;
  }
  try {
    return serve(cli, std::move(config), signals);
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": " << e.what() << '\n';
    return 1;
  }
}
