#pragma once
// What the commands share: their messages (stderr, prefixed with the command),
// the API session (credentials, API and HTTP clients), the token the user named,
// and probing apps (test, rotate --verify). Each command is a Session whose
// run() does its part.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access_options.hpp"
#include "cfmon/result.hpp"
#include "cli.hpp"
#include "command.hpp"
#include "secret_first.hpp"
#include "token_view.hpp"

namespace cfmon::cli {

class Session {
 public:
  Session(CliContext& ctx, const Command& command, Options& o) : ctx_(ctx), command_(command), o_(o) {}

  int exit_code() const { return exit_code_; }
  // The one token the user named (ID|NAME), through the API; on failure
  // exit_code() is set and nullopt returned.
  std::optional<ServiceTokenInfo> named_token();

 protected:
  // ------------------------------------------------------------ messages

  // "cf-service-token <command>": the start of every error line.
  std::string who() const;
  int fail(int code, const std::string& message);
  int api_failure(const cloudflare::ApiError& error);
  void warn(const std::string& message);
  bool colour() const;

  // ------------------------------------------------------------ API session

  // Credentials, then the HTTP and API clients; on failure exit_code_ is set and false returned.
  bool connect();
  // The token the user named; on failure exit_code_ is set and nullopt returned.
  std::optional<ServiceTokenInfo> resolve(const std::string& ref);
  // The one ID|NAME argument; on failure exit_code_ is set and nullopt returned.
  std::optional<std::string> one_reference();

  // ------------------------------------------------------------ the new secret (create, rotate)

  bool valid_prefix();
  KeyChoice key_choice() const { return KeyChoice{o_.var_prefix, o_.overwrite}; }
  SecretFirst secret_first() const { return SecretFirst(ctx_.out, ctx_.err, who(), ctx_.env_write); }

  // ------------------------------------------------------------ probing (test, rotate --verify)

  // Validated before any change, so a typo in a URL is found before a rotation.
  bool valid_urls(const std::vector<std::string>& urls, const char* what);
  // Prints one line per app; true when every app accepted the token.
  bool print_probe_report(const Report& report);
  Expected<Report> probe(const access::AccessOptions& options, const plugin::CommonConfig& common,
                         const EnvLookup& env);

  CliContext& ctx_;
  const Command& command_;
  Options& o_;
  int exit_code_ = kExitOk;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<cloudflare::TokenAdmin> api_;
};

// --var-prefix, --show-secret, --overwrite: where a new secret goes (create, rotate).
void add_new_secret_options(boost::program_options::options_description& group, Options& o);

// The handler of command C (a Session with `int run()`).
template <class C>
int run_command(CliContext& ctx, const Command& command, Options& o) {
  return C(ctx, command, o).run();
}

// The handler of command C that acts on the one token named (`int run(const ServiceTokenInfo&)`).
template <class C>
int run_on_named_token(CliContext& ctx, const Command& command, Options& o) {
  C c(ctx, command, o);
  const auto token = c.named_token();
  return token ? c.run(*token) : c.exit_code();
}

}  // namespace cfmon::cli
