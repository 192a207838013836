#include "session.hpp"

#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <cctype>
#include <cerrno>
#include <ostream>

#include "access_check.hpp"
#include "cfmon/targets.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {

// ------------------------------------------------------------ messages

std::string Session::who() const {
  return std::string(kProgram) + " " + command_.name;
}

int Session::fail(int code, const std::string& message) {
  ctx_.err << who() << ": " << message << '\n';
  return code;
}

int Session::api_failure(const cloudflare::ApiError& error) {
  return fail(error.kind == cloudflare::ApiErrorKind::config ? kExitUsage : kExitFailed, error.message);
}

void Session::warn(const std::string& message) {
  ctx_.err << "warning: " << message << '\n';
}

bool Session::colour() const {
  return ctx_.stdout_is_tty && !(ctx_.env && ctx_.env("NO_COLOR"));
}

// ------------------------------------------------------------ API session

bool Session::connect() {
  plugin::CommonConfig common = o_.common;
  // A --env-file that does not exist yet is where create/rotate will write (or,
  // for delete, has nothing to remove): it holds no API credentials, which is
  // not an error there. For the other commands it is.
  struct stat st {};
  if (command_.writes_env_file && common.env_file && ::lstat(common.env_file->c_str(), &st) != 0 && errno == ENOENT) {
    common.env_file.reset();
  }
  std::vector<std::string> warnings;
  auto settings = plugin::make_api_settings(o_.api, common, ctx_.env, &warnings);
  for (const auto& w : warnings) warn(w);
  if (!settings) {
    exit_code_ = fail(kExitUsage, settings.error().message);
    return false;
  }
  cloudflare::ApiHooks hooks;
  if (o_.verbosity >= 1) {
    hooks.log = [this](std::string_view line) { ctx_.err << "api: " << line << '\n'; };
  }
  http_ = ctx_.make_http(plugin::transport_of(common), o_.verbosity);
  api_ = ctx_.make_api(*http_, std::move(*settings), std::move(hooks));
  return true;
}

std::optional<ServiceTokenInfo> Session::resolve(const std::string& ref) {
  auto tokens = api_->list_service_tokens({});
  if (!tokens) {
    exit_code_ = api_failure(tokens.error());
    return std::nullopt;
  }
  auto token = resolve_token(*tokens, ref);
  if (token && !token->problems.empty()) {
    // A token the API answered unreadably is not acted on: its id may be missing or wrong.
    exit_code_ = fail(kExitFailed, "the API lists '" + printable(ref) + "' unreadably (" + token->problems.front() +
                                       "); not acting on it");
    return std::nullopt;
  }
  if (token) return *token;
  const auto& error = token.error();
  if (error.kind == ResolveFailure::not_found) {
    std::string message = error.message;
    if (tokens->empty()) message += " (the account lists no tokens: the API token may lack Service Tokens Read)";
    exit_code_ = fail(kExitFailed, message);
  } else {
    exit_code_ = fail(kExitUsage, error.message);
    for (const auto& c : error.candidates) ctx_.err << "  " << c << '\n';
  }
  return std::nullopt;
}

std::optional<std::string> Session::one_reference() {
  if (o_.positional.size() != 1) {
    exit_code_ = fail(kExitUsage, o_.positional.empty() ? "which token? give its ID, client ID or name"
                                                        : "give exactly one token (ID, client ID or name)");
    return std::nullopt;
  }
  return o_.positional.front();
}

std::optional<ServiceTokenInfo> Session::named_token() {
  const auto ref = one_reference();
  if (!ref || !connect()) return std::nullopt;
  return resolve(*ref);
}

// ------------------------------------------------------------ the new secret

void add_new_secret_options(po::options_description& group, Options& o) {
  // clang-format off
  group.add_options()
    ("var-prefix", po::value<std::string>()->value_name("P"), "save as <P>CF_SERVICE_TOKEN_CLIENT_ID / _SECRET")
    ("show-secret", po::bool_switch(&o.show_secret), "also print the credentials on stdout (shown once)")
    ("overwrite", po::bool_switch(&o.overwrite),
       "replace another token's credentials in --env-file (that secret is lost)");
  // clang-format on
}

bool Session::valid_prefix() {
  if (!o_.var_prefix || o_.var_prefix->empty()) return true;
  const std::string& p = *o_.var_prefix;
  bool ok = (std::isalpha(static_cast<unsigned char>(p.front())) != 0) || p.front() == '_';
  for (const char c : p) ok = ok && ((std::isalnum(static_cast<unsigned char>(c)) != 0) || c == '_');
  if (!ok) exit_code_ = fail(kExitUsage, "--var-prefix takes letters, digits and '_', not starting with a digit");
  return ok;
}

// ------------------------------------------------------------ probing

// Checked before anything happens (for rotate: before the secret changes).
bool Session::valid_urls(const std::vector<std::string>& urls, const char* what) {
  std::vector<Target> targets;
  for (const auto& url : urls) {
    auto target = make_target(default_target_name(url), url);
    if (!target) {
      exit_code_ = fail(kExitUsage, std::string(what) + ": " + target.error().message);
      return false;
    }
    targets.push_back(std::move(*target));
  }
  if (auto insecure = access::refuse_insecure_targets(targets, o_.access.allow_insecure_http)) {
    exit_code_ = fail(kExitUsage, std::string(what) + ": " + insecure->message);
    return false;
  }
  return true;
}

bool Session::print_probe_report(const Report& report) {
  const bool tty_colour = colour();
  std::size_t accepted = 0;
  for (const auto& child : report.root.children) {
    const bool ok = child.state == State::ok;
    if (ok) ++accepted;
    const char* mark = ok ? "\u2713" : "\u2717";
    if (tty_colour) {
      ctx_.out << (ok ? "\033[32m" : "\033[31m") << mark << "\033[0m";
    } else {
      ctx_.out << mark;
    }
    ctx_.out << ' ' << printable(child.name) << ": " << printable(child.message, 400) << '\n';
  }
  const std::size_t total = report.root.children.size();
  if (total > 1) ctx_.out << accepted << " of " << total << " apps OK\n";
  return accepted == total;
}

Expected<Report> Session::probe(const access::AccessOptions& options, const plugin::CommonConfig& common,
                                const EnvLookup& env) {
  std::vector<std::string> warnings;
  auto plan = access::make_plan(options, common, env, &warnings);
  for (const auto& w : warnings) warn(w);
  if (!plan) return plan.error();
  for (const auto& url : plan->insecure_targets) {
    warn("--allow-insecure-http: the service token goes unencrypted to " + url);
  }
  auto http = ctx_.make_http(plugin::transport_of(common), o_.verbosity);
  return access::run_access_check(*plan, *http);
}

}  // namespace cfmon::cli
