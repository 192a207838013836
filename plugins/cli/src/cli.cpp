#include "cli.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "access_check.hpp"
#include "access_options.hpp"
#include "cfmon/api_options.hpp"
#include "cfmon/dotenv.hpp"
#include "cfmon/env_file_writer.hpp"
#include "cfmon/plugin.hpp"
#include "cfmon/targets.hpp"
#include "cfmon/version.hpp"
#include "token_view.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

constexpr const char* kProgram = "cf-service-token";
constexpr std::string_view kDefaultDuration = "8760h";  // the API's, when create names none

const char* const kExitCodesHelp =
    "Exit codes:\n"
    "  0  done\n"
    "  1  the operation failed: API error, no such token, --verify or test found an app\n"
    "     that did not accept the token\n"
    "  2  usage or configuration error (bad option, missing API credentials, an --env-file\n"
    "     that cannot take the credentials, an ambiguous token name, no confirmation)\n"
    "  3  the new secret could NOT be saved to --env-file: it was printed once on stdout\n"
    "     instead, copy it now (Cloudflare never shows it again)\n"
    "  4  aborted: the deletion was not confirmed\n";

struct Command {
  const char* name;
  const char* summary;
  const char* usage;
  const char* details;
};

const std::array<Command, 6> kCommands = {{
    {"list", "list the account's service tokens", "cf-service-token list [--json] [options]",
     "Columns: name, client ID, expiry, last use, enabled. --json prints every field.\n"},
    {"create", "create a token and save its credentials to --env-file",
     "cf-service-token create --name NAME [--duration 8760h|forever] --env-file FILE\n"
     "                        [--var-prefix P] [--show-secret] [options]",
     "The new client ID and secret are written to --env-file (atomically, mode 0600, every\n"
     "other line kept) as <P>CF_SERVICE_TOKEN_CLIENT_ID and <P>CF_SERVICE_TOKEN_CLIENT_SECRET\n"
     "before anything else happens. Cloudflare shows a secret only once: when it cannot be\n"
     "saved it is printed once on stdout with a warning (exit 3). The secret is never printed\n"
     "otherwise, unless --show-secret. Without --env-file, --show-secret is required.\n"
     "Keys that hold another token's credentials are never overwritten without --overwrite.\n"},
    {"rotate", "give a token a new secret, save it, and verify it",
     "cf-service-token rotate ID|NAME [--grace DURATION] --env-file FILE [--verify URL ...]\n"
     "                        [--var-prefix P] [--show-secret] [options]",
     "Without --grace the previous secret stops working at once; with --grace 24h it keeps\n"
     "working for that long (time to roll the new one out). The new secret is saved to the\n"
     "keys of --env-file that hold this token's client ID (any prefix or suffix), else to\n"
     "<P>CF_SERVICE_TOKEN_CLIENT_ID/_SECRET; then each --verify URL is probed with it.\n"},
    {"refresh", "extend a token's expiry by one year", "cf-service-token refresh ID|NAME [options]", ""},
    {"delete", "delete (revoke) a token and remove its credentials from --env-file",
     "cf-service-token delete ID|NAME [--yes] [--env-file FILE] [options]",
     "Asks for confirmation on a terminal; without a terminal --yes is required. Every app\n"
     "refuses the token at once. With --env-file, the keys holding its client ID and the\n"
     "paired secret keys are removed from that file (everything else is kept).\n"},
    {"test", "probe Access-protected apps with a service token",
     "cf-service-token test URL [URL ...] [--env-file FILE | --client-id ID\n"
     "                      --client-secret-file FILE] [--env-suffix S] [options]",
     "One line per app: a check mark when Access let the token through and the app\n"
     "answered, a cross with the reason otherwise (the same verdicts as check_cf_access).\n"
     "Credentials as check_cf_access: --client-id, then CF_SERVICE_TOKEN_CLIENT_ID<S> in\n"
     "--env-file, then the environment; the secret likewise from --client-secret-file.\n"},
}};

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

struct Options {
  plugin::CommonConfig common;
  plugin::ApiOptions api;
  access::AccessOptions access;  // test: credentials and probe options
  bool help = false;
  bool json = false;
  bool yes = false;
  bool show_secret = false;
  bool overwrite = false;
  std::string name;
  std::string duration;
  std::optional<std::string> var_prefix;
  std::string grace;
  std::vector<std::string> verify;
  std::vector<std::string> positional;
  int verbosity = 0;
};

bool uses_api(std::string_view command) {
  return command != "test";
}

po::options_description connection_group(Options& o, std::string_view command) {
  po::options_description g("General options");
  const char* env_help = "dotenv file (never executed)";
  if (command == "create" || command == "rotate") {
    env_help =
        "dotenv file the new credentials are saved to (created 0600 if missing); also read for "
        "CF_API_TOKEN / CF_ACCOUNT_ID";
  } else if (command == "delete") {
    env_help = "dotenv file to remove the token's credentials from; also read for CF_API_TOKEN / CF_ACCOUNT_ID";
  } else if (command == "test") {
    env_help = "dotenv file holding CF_SERVICE_TOKEN_CLIENT_ID / _SECRET (never executed)";
  } else {
    env_help = "dotenv file holding CF_API_TOKEN / CF_ACCOUNT_ID (never executed)";
  }
  // clang-format off
  g.add_options()
    ("help,h", po::bool_switch(&o.help), "print this help")
    ("verbose,v", "more detail on stderr: API requests (-v), redacted HTTP trace (-vvv)")
    ("timeout,t", po::value(&o.common.timeout_seconds)->default_value(10.0, "10"),
       "seconds allowed per API operation or probe")
    ("env-file", po::value<std::string>(), env_help)
    ("ca-file", po::value(&o.common.ca_file), "CA bundle (PEM) to verify TLS with")
    ("insecure,k", po::bool_switch(&o.common.insecure), "do not verify TLS certificates")
    ("resolve", po::value(&o.common.resolve)->composing(), "HOST:PORT:ADDR, as curl --resolve (repeatable)")
    ("ipv4,4", po::bool_switch(&o.common.ipv4), "use IPv4 only")
    ("ipv6,6", po::bool_switch(&o.common.ipv6), "use IPv6 only")
    ("user-agent,A", po::value(&o.common.user_agent), "User-Agent header")
    ("allow-shared-files", po::bool_switch(&o.common.allow_shared_files),
       "accept credential files that others can write or own");
  // clang-format on
  return g;
}

po::options_description command_group(Options& o, std::string_view command) {
  po::options_description g(std::string(command) + " options");
  // clang-format off
  if (command == "list") {
    g.add_options()("json", po::bool_switch(&o.json), "print a JSON array instead of the table");
  } else if (command == "create") {
    g.add_options()
      ("name", po::value(&o.name), "name of the new token (required)")
      ("duration", po::value(&o.duration), "lifetime: a Go duration such as 8760h (the API's default) or forever")
      ("var-prefix", po::value<std::string>(), "save as <P>CF_SERVICE_TOKEN_CLIENT_ID / _SECRET")
      ("show-secret", po::bool_switch(&o.show_secret), "also print the credentials on stdout (shown once)")
      ("overwrite", po::bool_switch(&o.overwrite),
         "replace another token's credentials in --env-file (that secret is lost)");
  } else if (command == "rotate") {
    g.add_options()
      ("grace", po::value(&o.grace), "keep the previous secret working this long (Go duration: 24h, 90m)")
      ("verify", po::value(&o.verify)->composing(), "probe this URL with the new secret afterwards (repeatable)")
      ("token-header", po::value(&o.access.token_header), "--verify: send the token as one JSON header NAME")
      ("max-redirects", po::value(&o.access.max_redirects)->default_value(access::kDefaultMaxRedirects),
         "--verify: follow at most N redirects inside each URL's origin; never to another origin")
      ("allow-insecure-http", po::bool_switch(&o.access.allow_insecure_http),
         "--verify: allow http:// URLs (the new secret crosses the network unencrypted)")
      ("var-prefix", po::value<std::string>(), "save as <P>CF_SERVICE_TOKEN_CLIENT_ID / _SECRET")
      ("show-secret", po::bool_switch(&o.show_secret), "also print the credentials on stdout (shown once)")
      ("overwrite", po::bool_switch(&o.overwrite),
         "replace another token's credentials in --env-file (that secret is lost)");
  } else if (command == "delete") {
    g.add_options()("yes,y", po::bool_switch(&o.yes), "do not ask for confirmation");
  } else if (command == "test") {
    g.add_options()
      ("client-id", po::value<std::string>(), "service token client ID")
      ("client-secret-file", po::value<std::string>(), "file holding only the client secret")
      ("env-suffix", po::value(&o.access.env_suffix), "read CF_SERVICE_TOKEN_CLIENT_ID_<S> etc. (e.g. NEW)")
      ("token-header", po::value(&o.access.token_header),
         "send the token as one JSON header NAME instead of the two CF-Access-Client-* headers")
      ("expect-protected", po::bool_switch(&o.access.expect_protected),
         "also probe without a token: fail unless Access blocks it")
      ("max-redirects", po::value(&o.access.max_redirects)->default_value(access::kDefaultMaxRedirects),
         "follow at most N redirects inside each URL's origin, token re-sent; never to another origin")
      ("allow-insecure-http", po::bool_switch(&o.access.allow_insecure_http),
         "allow http:// URLs (the secret crosses the network unencrypted)");
  }
  // clang-format on
  return g;
}

void print_top_help(std::ostream& out) {
  out << kProgram << " " << kVersion << ": manage Cloudflare Access service tokens without losing a secret\n\n"
      << "Usage: " << kProgram << " <command> [options]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    out << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << '\n';
  }
  out << "\nRun '" << kProgram << " <command> --help' for its options.\n\n"
      << plugin::kApiCredentialsHelp << '\n'
      << kExitCodesHelp;
}

void print_command_help(std::ostream& out, const Command& c, const po::options_description& visible) {
  out << kProgram << " " << c.name << ": " << c.summary << "\n\nUsage: " << c.usage << "\n\n";
  if (*c.details != '\0') out << c.details;
  out << visible << '\n';
  if (uses_api(c.name)) out << plugin::kApiCredentialsHelp << '\n';
  out << "ID|NAME: a token's ID, client ID or name (a name shared by several tokens is refused).\n\n" << kExitCodesHelp;
}

// -v, -vv, -vvv and --verbose counted (program_options cannot count).
std::vector<std::string> take_verbosity(const std::vector<std::string>& args, int& verbosity) {
  std::vector<std::string> rest;
  for (const auto& arg : args) {
    if (arg == "--verbose") {
      ++verbosity;
    } else if (arg.size() >= 2 && arg[0] == '-' && arg.find_first_not_of('v', 1) == std::string::npos) {
      verbosity += static_cast<int>(arg.size() - 1);
    } else {
      rest.push_back(arg);
    }
  }
  verbosity = std::min(verbosity, 3);
  return rest;
}

class Runner {
 public:
  Runner(CliContext& ctx, const Command& command, Options& o) : ctx_(ctx), command_(command), o_(o) {}

  int run() {
    const std::string_view name = command_.name;
    if (name == "list") return list();
    if (name == "create") return create();
    if (name == "rotate") return rotate();
    if (name == "refresh") return refresh();
    if (name == "delete") return remove();
    return test();
  }

 private:
  // ------------------------------------------------------------ messages

  int fail(int code, const std::string& message) {
    ctx_.err << kProgram << " " << command_.name << ": " << message << '\n';
    return code;
  }
  int api_failure(const cloudflare::ApiError& error) {
    return fail(error.kind == cloudflare::ApiErrorKind::config ? kExitUsage : kExitFailed, error.message);
  }
  void warn(const std::string& message) { ctx_.err << "warning: " << message << '\n'; }

  bool colour() const { return ctx_.stdout_is_tty && !(ctx_.env && ctx_.env("NO_COLOR")); }

  // ------------------------------------------------------------ API session

  bool connect() {
    plugin::CommonConfig common = o_.common;
    // A --env-file that does not exist yet is where create/rotate will write (or,
    // for delete, has nothing to remove): it holds no API credentials, which is
    // not an error there. For the other commands it is.
    const std::string_view name = command_.name;
    const bool destination = name == "create" || name == "rotate" || name == "delete";
    struct stat st {};
    if (destination && common.env_file && ::lstat(common.env_file->c_str(), &st) != 0 && errno == ENOENT) {
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
    http_ = ctx_.make_http(o_.verbosity);
    api_ = ctx_.make_api(*http_, std::move(*settings), std::move(hooks));
    return true;
  }

  // The token the user named; on failure exit_code_ is set and nullopt returned.
  std::optional<ServiceTokenInfo> resolve(const std::string& ref) {
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

  std::optional<std::string> one_reference() {
    if (o_.positional.size() != 1) {
      exit_code_ = fail(kExitUsage, o_.positional.empty() ? "which token? give its ID, client ID or name"
                                                          : "give exactly one token (ID, client ID or name)");
      return std::nullopt;
    }
    return o_.positional.front();
  }

  // ------------------------------------------------------------ the .env

  // What would make saving the secret fail, found before anything is created.
  std::optional<std::string> preflight_env_file(const std::string& path, DotenvMap& current) {
    const std::string shown = "--env-file '" + printable(path) + "'";
    std::string dir;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return shown + " is a directory, not a file";
      if (!S_ISREG(st.st_mode)) return shown + " is not a regular file";
      auto env = read_dotenv_file(path);
      if (!env) return env.error().message + " (it must be valid before credentials are saved to it)";
      current = std::move(*env);
      char resolved[PATH_MAX];
      if (::realpath(path.c_str(), resolved) == nullptr) return shown + ": " + std::strerror(errno);
      dir = resolved;
    } else {
      const int err = errno;
      if (err != ENOENT) return shown + ": " + std::strerror(err);
      if (::lstat(path.c_str(), &st) == 0) return shown + " is a dangling symbolic link";
      dir = path;
    }
    const auto slash = dir.rfind('/');
    dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
      return shown + ": the directory '" + printable(dir) + "' does not exist";
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      return shown + ": cannot create files in '" + printable(dir) + "' (" + std::strerror(errno) +
             "); the file is replaced atomically through a temporary file beside it";
    }
    return std::nullopt;
  }

  bool valid_prefix() {
    if (!o_.var_prefix || o_.var_prefix->empty()) return true;
    const std::string& p = *o_.var_prefix;
    bool ok = (std::isalpha(static_cast<unsigned char>(p.front())) != 0) || p.front() == '_';
    for (const char c : p) ok = ok && ((std::isalnum(static_cast<unsigned char>(c)) != 0) || c == '_');
    if (!ok) exit_code_ = fail(kExitUsage, "--var-prefix takes letters, digits and '_', not starting with a digit");
    return ok;
  }

  // The key pairs this token's credentials go to: with --var-prefix exactly those;
  // otherwise the pairs already holding its client ID, else the default names.
  std::vector<EnvKeys> target_keys(const DotenvMap& env, std::string_view client_id) const {
    if (!o_.var_prefix) {
      auto held = client_id.empty() ? std::vector<EnvKeys>{} : keys_holding(env, client_id);
      if (!held.empty()) return held;
    }
    return {default_env_keys(o_.var_prefix.value_or(""))};
  }

  std::string conflict_in(const DotenvMap& env, const std::vector<EnvKeys>& keys, std::string_view client_id) const {
    if (o_.overwrite) return {};
    for (const auto& k : keys) {
      auto conflict = overwrite_conflict(env, k, client_id);
      if (!conflict.empty()) return conflict;
    }
    return {};
  }

  static std::string key_list(const std::vector<EnvKeys>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k.client_id + ", " + k.secret;
    return out;
  }

  // Saves the credentials under the lock; the keys are recomputed there so a
  // concurrent edit cannot make us overwrite someone else's secret.
  Expected<std::vector<EnvKeys>> persist(const std::string& path, const std::string& client_id, const Secret& secret) {
    std::vector<EnvKeys> keys;
    std::string conflict;
    auto outcome = update_env_file(
        path,
        [&](const DotenvMap& current) {
          keys = target_keys(current, client_id);
          conflict = conflict_in(current, keys, client_id);
          std::vector<EnvChange> changes;
          if (!conflict.empty()) return changes;
          for (const auto& k : keys) {
            // An unknown client ID (not in the answer) is never written as an empty one.
            if (!client_id.empty()) changes.push_back(EnvChange{k.client_id, Secret(client_id)});
            changes.push_back(EnvChange{k.secret, secret});
          }
          return changes;
        },
        ctx_.env_write);
    if (!outcome) return outcome.error();
    if (!conflict.empty()) return make_error("env file '" + printable(path) + "': " + conflict);
    for (const auto& w : outcome->warnings) warn(w);
    return keys;
  }

  // After a create whose answer had no client ID: writes it beside the secret just saved,
  // only in the pairs whose secret is still ours and whose ID key is still empty.
  Expected<EnvWriteOutcome> complete_client_id(const std::string& path, const std::vector<EnvKeys>& keys,
                                               const std::string& client_id, const Secret& secret) {
    return update_env_file(
        path,
        [&](const DotenvMap& current) {
          std::vector<EnvChange> changes;
          for (const auto& k : keys) {
            const auto s = current.find(k.secret);
            const auto id = current.find(k.client_id);
            if (s != current.end() && s->second == secret.reveal() && (id == current.end() || id->second.empty())) {
              changes.push_back(EnvChange{k.client_id, Secret(client_id)});
            }
          }
          return changes;
        },
        ctx_.env_write);
  }

  void print_credentials(const std::vector<EnvKeys>& keys, const std::string& client_id, const Secret& secret) {
    for (const auto& k : keys) {
      if (client_id.empty()) {
        ctx_.out << "# " << k.client_id << ": not in Cloudflare's answer; find it with '" << kProgram << " list'\n";
      } else {
        ctx_.out << k.client_id << '=' << quote_env_value(client_id) << '\n';
      }
      ctx_.out << k.secret << '=' << quote_env_value(secret.reveal()) << '\n';
    }
  }

  // The last resort when the secret cannot be saved: show it once, loudly.
  int print_secret_once(const std::vector<EnvKeys>& keys, const std::string& client_id, const Secret& secret,
                        const std::string& why) {
    ctx_.err << kProgram << " " << command_.name << ": ERROR: the new secret could not be saved: " << why << '\n'
             << kProgram << " " << command_.name << ": it is printed ONCE on stdout; copy it now\n";
    ctx_.out << "###########################################################################\n"
             << "# WARNING: THIS SECRET WAS NOT SAVED ANYWHERE. Cloudflare shows it only once.\n"
             << "# Copy these lines into your .env or secret store NOW.\n"
             << "###########################################################################\n";
    print_credentials(keys, client_id, secret);
    return kExitNotPersisted;
  }

  // ------------------------------------------------------------ probing

  // Validated before any change, so a typo in a URL is found before a rotation.
  // Checked before anything happens (for rotate: before the secret changes).
  bool valid_urls(const std::vector<std::string>& urls, const char* what) {
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

  // Prints one line per app; true when every app accepted the token.
  bool print_probe_report(const Report& report) {
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

  Expected<Report> probe(access::AccessOptions options, const plugin::CommonConfig& common, const EnvLookup& env) {
    std::vector<std::string> warnings;
    auto plan = access::make_plan(options, common, env, &warnings);
    for (const auto& w : warnings) warn(w);
    if (!plan) return plan.error();
    for (const auto& url : plan->insecure_targets) {
      warn("--allow-insecure-http: the service token goes unencrypted to " + url);
    }
    auto http = ctx_.make_http(o_.verbosity);
    return access::run_access_check(*plan, *http);
  }

  // ------------------------------------------------------------ commands

  int list() {
    if (!o_.positional.empty()) return fail(kExitUsage, "list takes no arguments");
    if (!connect()) return exit_code_;
    auto tokens = api_->list_service_tokens({});
    if (!tokens) return api_failure(tokens.error());
    for (const auto& t : *tokens) {
      if (!t.problems.empty()) {
        warn("token '" + printable(t.name.empty() ? t.id : t.name) + "' is listed unreadably: " + t.problems.front());
      }
    }
    std::sort(tokens->begin(), tokens->end(),
              [](const ServiceTokenInfo& a, const ServiceTokenInfo& b) { return a.name < b.name; });
    if (o_.json) {
      ctx_.out << tokens_json(*tokens).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (tokens->empty()) {
      ctx_.out << "no service tokens\n";
    } else {
      ctx_.out << format_token_table(*tokens, ctx_.now());
    }
    if (tokens->empty()) {
      warn(
          "the account lists no service tokens; if you expected some, the API token may lack "
          "Access: Service Tokens Read");
    }
    return kExitOk;
  }

  int create() {
    if (!o_.positional.empty()) return fail(kExitUsage, "unexpected argument '" + printable(o_.positional[0]) + "'");
    if (o_.name.empty()) return fail(kExitUsage, "--name is required");
    std::optional<std::string> duration;
    if (!o_.duration.empty()) {
      if (o_.duration != "forever" && !cloudflare::parse_go_duration(o_.duration)) {
        return fail(kExitUsage, "--duration must be a Go duration such as 8760h, or forever");
      }
      duration = o_.duration;
    }
    if (!valid_prefix()) return exit_code_;
    const auto& env_file = o_.common.env_file;
    if (!env_file && !o_.show_secret) {
      return fail(kExitUsage,
                  "nowhere to save the secret: give --env-file FILE (or --show-secret to print it once instead)");
    }
    if (env_file) {
      DotenvMap current;
      if (auto problem = preflight_env_file(*env_file, current)) return fail(kExitUsage, *problem);
      if (auto conflict = conflict_in(current, target_keys(current, ""), ""); !conflict.empty()) {
        return fail(kExitUsage, "--env-file '" + printable(*env_file) + "': " + conflict +
                                    "; its secret would be lost: save the new token under other names with "
                                    "--var-prefix, or pass --overwrite");
      }
    }
    if (!connect()) return exit_code_;

    // Not fatal: only a hint that names will be ambiguous later.
    if (auto same = api_->list_service_tokens({}); same) {
      const auto n = std::count_if(same->begin(), same->end(), [&](const auto& t) { return t.name == o_.name; });
      if (n > 0) {
        warn(std::to_string(n) + " token(s) already named '" + printable(o_.name) +
             "': refer to the new one by its ID or client ID");
      }
    }

    auto created = api_->create_service_token(o_.name, duration);
    if (!created) return api_failure(created.error());
    ServiceTokenInfo& info = created->info;

    // Nothing else happens before the secret is safe.
    std::vector<EnvKeys> keys = {default_env_keys(o_.var_prefix.value_or(""))};
    if (env_file) {
      auto saved = persist(*env_file, info.client_id, created->client_secret);
      if (!saved) {
        const int code = print_secret_once(keys, info.client_id, created->client_secret, saved.error().message);
        // The secret is out first; only then is the client ID it needs read back, if the
        // answer had none (the schema requires none), and added to the printed lines.
        if (info.client_id.empty() && !info.id.empty()) {
          auto read = api_->get_service_token(info.id);
          if (read && !read->client_id.empty()) {
            for (const auto& k : keys) ctx_.out << k.client_id << '=' << quote_env_value(read->client_id) << '\n';
          } else {
            warn("cannot read the new token back for its client ID; find it with '" + std::string(kProgram) + " list'");
          }
        }
        for (const auto& w : created->warnings) warn(w);
        return code;
      }
      keys = *saved;
    }
    for (const auto& w : created->warnings) warn(w);
    if (info.client_id.empty()) learn_client_id(info, keys, created->client_secret);
    if (info.name.empty()) info.name = o_.name;

    ctx_.out << "created service token '" << printable(info.name) << "'\n"
             << "  id:         " << (info.id.empty() ? "(not in Cloudflare's answer)" : printable(info.id)) << '\n'
             << "  client ID:  "
             << (info.client_id.empty() ? "(not in Cloudflare's answer)" : printable(info.client_id)) << '\n'
             << "  expires:    " << created_expiry(info, duration) << '\n';
    if (env_file) {
      ctx_.out << "  saved to:   " << printable(*env_file) << " (" << key_list(keys) << ", mode 0600)\n";
    }
    if (o_.show_secret) {
      if (!env_file) warn("the secret below is not saved anywhere and Cloudflare never shows it again");
      print_credentials(keys, info.client_id, created->client_secret);
    }
    return kExitOk;
  }

  // Create answers carry no expires_at: the token's duration (the answer's, else the one
  // asked for, else the API's default) counted from now, as Cloudflare counts it.
  // Computed rather than read back with GET: no second request that could fail or cost
  // rate-limit budget once the secret exists, and no Read permission needed.
  std::string created_expiry(const ServiceTokenInfo& info, const std::optional<std::string>& asked) const {
    if (info.expires_at) return expires_text(info, ctx_.now());
    const std::string duration = !info.duration.empty() ? info.duration : asked.value_or(std::string(kDefaultDuration));
    return expiry_from_duration(duration, ctx_.now());
  }

  // The create answer had no client ID (the schema requires none): the secret is saved;
  // read the token back to learn it, and complete the .env with it.
  void learn_client_id(ServiceTokenInfo& info, const std::vector<EnvKeys>& keys, const Secret& secret) {
    if (!info.id.empty()) {
      if (auto read = api_->get_service_token(info.id); read && !read->client_id.empty()) {
        info.client_id = read->client_id;
        if (!info.expires_at) info.expires_at = read->expires_at;
      } else if (!read) {
        warn("cannot read the new token back: " + read.error().message);
      }
    }
    if (info.client_id.empty()) {
      warn("Cloudflare's answer holds no client ID: only the secret was saved; find the client ID with '" +
           std::string(kProgram) + " list' and add it as " + keys.front().client_id);
      return;
    }
    if (!o_.common.env_file) return;
    if (auto done = complete_client_id(*o_.common.env_file, keys, info.client_id, secret); !done) {
      warn("the secret is saved, but its client ID (" + printable(info.client_id) +
           ") could not be added: " + done.error().message);
    } else {
      for (const auto& w : done->warnings) warn(w);
    }
  }

  int rotate() {
    const auto ref = one_reference();
    if (!ref) return exit_code_;
    std::optional<std::chrono::nanoseconds> grace;
    if (!o_.grace.empty()) {
      grace = cloudflare::parse_go_duration(o_.grace);
      if (!grace || grace->count() <= 0) return fail(kExitUsage, "--grace must be a positive Go duration such as 24h");
    }
    if (!valid_prefix() || !valid_urls(o_.verify, "--verify")) return exit_code_;
    const auto& env_file = o_.common.env_file;
    if (!env_file && !o_.show_secret) {
      return fail(kExitUsage,
                  "nowhere to save the new secret: give --env-file FILE (or --show-secret to print it once instead)");
    }
    DotenvMap current;
    if (env_file) {
      if (auto problem = preflight_env_file(*env_file, current)) return fail(kExitUsage, *problem);
    }
    if (!connect()) return exit_code_;
    const auto token = resolve(*ref);
    if (!token) return exit_code_;
    if (env_file) {
      if (auto conflict = conflict_in(current, target_keys(current, token->client_id), token->client_id);
          !conflict.empty()) {
        return fail(kExitUsage, "--env-file '" + printable(*env_file) + "': " + conflict +
                                    "; its secret would be lost: use --var-prefix, or pass --overwrite");
      }
    }

    std::optional<TimePoint> previous_expires;
    if (grace) previous_expires = ctx_.now() + std::chrono::duration_cast<std::chrono::seconds>(*grace);
    auto rotated = api_->rotate_service_token(token->id, previous_expires);
    if (!rotated) return api_failure(rotated.error());
    const std::string& client_id = rotated->info.client_id.empty() ? token->client_id : rotated->info.client_id;

    std::vector<EnvKeys> keys = target_keys(current, client_id);
    if (env_file) {
      auto saved = persist(*env_file, client_id, rotated->client_secret);
      if (!saved) {
        const int code = print_secret_once(keys, client_id, rotated->client_secret, saved.error().message);
        for (const auto& w : rotated->warnings) warn(w);
        return code;
      }
      keys = *saved;
    }
    for (const auto& w : rotated->warnings) warn(w);

    ctx_.out << "rotated the secret of '" << printable(token->name) << "' (client ID " << printable(client_id) << ")\n";
    if (previous_expires) {
      ctx_.out << "  the previous secret keeps working until " << cloudflare::format_rfc3339(*previous_expires) << '\n';
    } else {
      ctx_.out << "  the previous secret no longer works\n";
    }
    if (env_file) ctx_.out << "  saved to " << printable(*env_file) << " (" << key_list(keys) << ", mode 0600)\n";
    if (o_.show_secret) {
      if (!env_file) warn("the secret below is not saved anywhere and Cloudflare never shows it again");
      print_credentials(keys, client_id, rotated->client_secret);
    }
    if (o_.verify.empty()) return kExitOk;

    access::AccessOptions options;
    options.urls = o_.verify;
    options.client_id = client_id;
    options.token_header = o_.access.token_header;
    options.max_redirects = o_.access.max_redirects;
    options.allow_insecure_http = o_.access.allow_insecure_http;
    plugin::CommonConfig common = o_.common;
    common.env_file.reset();  // the new secret, not whatever the file held before
    const Secret& secret = rotated->client_secret;
    const EnvLookup only_new_secret = [&secret](const std::string& name) -> std::optional<std::string> {
      if (name == client_secret_variable("")) return std::string(secret.reveal());
      return std::nullopt;
    };
    auto report = probe(options, common, only_new_secret);
    if (!report) return fail(kExitFailed, "--verify: " + report.error().message);
    if (!print_probe_report(*report)) {
      return fail(kExitFailed,
                  "the new secret is saved, but not every app accepted it (changes can take a few seconds to "
                  "reach Cloudflare's edge; run '" +
                      std::string(kProgram) + " test' again)");
    }
    return kExitOk;
  }

  int refresh() {
    const auto ref = one_reference();
    if (!ref) return exit_code_;
    if (!connect()) return exit_code_;
    const auto token = resolve(*ref);
    if (!token) return exit_code_;
    auto refreshed = api_->refresh_service_token(token->id);
    if (!refreshed) return api_failure(refreshed.error());
    ctx_.out << "refreshed '" << printable(token->name) << "' (client ID " << token->client_id << "): ";
    if (refreshed->expires_at || refreshed->duration == "forever") {
      ctx_.out << "expires " << expires_text(*refreshed, ctx_.now()) << '\n';
    } else {
      // Absent or unreadable: unknown, never "never".
      ctx_.out << "the answer does not say the new expiry; see '" << kProgram << " list'\n";
    }
    return kExitOk;
  }

  int remove() {
    const auto ref = one_reference();
    if (!ref) return exit_code_;
    const auto& env_file = o_.common.env_file;
    if (!connect()) return exit_code_;
    const auto token = resolve(*ref);
    if (!token) return exit_code_;
    const std::string described =
        "'" + printable(token->name) + "' (id " + token->id + ", client ID " + token->client_id + ")";
    if (!o_.yes) {
      if (!ctx_.stdin_is_tty) {
        return fail(kExitUsage,
                    "refusing to delete " + described + " without confirmation: stdin is not a terminal; add --yes");
      }
      ctx_.err << "Delete service token " << described << "?\n"
               << "Every app using it refuses it at once; this cannot be undone. [y/N] " << std::flush;
      const auto answer = ctx_.read_line ? ctx_.read_line() : std::nullopt;
      if (!answer || (*answer != "y" && *answer != "Y" && *answer != "yes" && *answer != "YES")) {
        return fail(kExitAborted, "aborted; nothing deleted");
      }
    }
    auto deleted = api_->delete_service_token(token->id);
    if (!deleted) return api_failure(deleted.error());
    ctx_.out << "deleted service token " << described << "\n";

    if (!env_file) return kExitOk;
    struct stat st {};
    if (::lstat(env_file->c_str(), &st) != 0) {
      ctx_.out << "  " << printable(*env_file) << " does not exist: nothing to remove\n";
      return kExitOk;
    }
    std::vector<std::string> removed;
    auto outcome = update_env_file(
        *env_file,
        [&](const DotenvMap& current) {
          removed = keys_to_remove(current, token->client_id);
          std::vector<EnvChange> changes;
          for (const auto& k : removed) changes.push_back(EnvChange{k, std::nullopt});
          return changes;
        },
        ctx_.env_write);
    if (!outcome) {
      return fail(kExitFailed,
                  "the token is deleted, but its credentials could not be removed: " + outcome.error().message);
    }
    for (const auto& w : outcome->warnings) warn(w);
    if (removed.empty()) {
      ctx_.out << "  " << printable(*env_file) << " held no credentials of this token\n";
    } else {
      std::string list;
      for (const auto& k : removed) list += (list.empty() ? "" : ", ") + k;
      ctx_.out << "  removed " << list << " from " << printable(*env_file) << '\n';
    }
    return kExitOk;
  }

  int test() {
    if (o_.positional.empty()) return fail(kExitUsage, "which apps? give one or more URLs");
    if (!valid_urls(o_.positional, "URL")) return exit_code_;
    access::AccessOptions options = o_.access;
    options.urls = o_.positional;
    auto report = probe(options, o_.common, ctx_.env);
    if (!report) return fail(kExitUsage, report.error().message);
    return print_probe_report(*report) ? kExitOk : kExitFailed;
  }

  CliContext& ctx_;
  const Command& command_;
  Options& o_;
  int exit_code_ = kExitOk;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<cloudflare::TokenAdmin> api_;
};

}  // namespace

int run_cli(const std::vector<std::string>& args, CliContext& ctx) {
  if (args.empty()) {
    ctx.err << "Usage: " << kProgram << " <command> [options]; commands: list create rotate refresh delete test\n"
            << "Run '" << kProgram << " --help' for more.\n";
    return kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "-h" || first == "--help" || (first == "help" && args.size() == 1)) {
    print_top_help(ctx.out);
    return kExitOk;
  }
  if (first == "-V" || first == "--version") {
    ctx.out << kProgram << " " << kVersion << '\n';
    return kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::string command_name = first;
  if (first == "help") {
    command_name = args[1];
    rest = {"--help"};
  }
  const Command* command = find_command(command_name);
  if (command == nullptr) {
    ctx.err << kProgram << ": unknown command '" << printable(command_name, 40)
            << "'; commands: list create rotate refresh delete test\n";
    return kExitUsage;
  }

  Options o;
  rest = take_verbosity(rest, o.verbosity);
  po::options_description visible;
  visible.add(command_group(o, command->name));
  visible.add(connection_group(o, command->name));
  if (uses_api(command->name)) visible.add(plugin::api_options(o.api));
  po::options_description hidden;
  hidden.add_options()("arg", po::value(&o.positional)->composing());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("arg", -1);

  po::variables_map vm;
  try {
    const auto style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(rest).options(all).positional(positional).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    ctx.err << kProgram << " " << command->name << ": " << e.what() << "; see '" << kProgram << " " << command->name
            << " --help'\n";
    return kExitUsage;
  }
  if (o.help) {
    print_command_help(ctx.out, *command, visible);
    return kExitOk;
  }
  if (vm.count("env-file") != 0U) o.common.env_file = vm["env-file"].as<std::string>();
  if (vm.count("var-prefix") != 0U) o.var_prefix = vm["var-prefix"].as<std::string>();
  if (vm.count("client-id") != 0U) o.access.client_id = vm["client-id"].as<std::string>();
  if (vm.count("client-secret-file") != 0U) o.access.client_secret_file = vm["client-secret-file"].as<std::string>();
  if (uses_api(command->name)) plugin::api_options_from(vm, o.api);
  if (o.common.user_agent.empty()) o.common.user_agent = std::string(kProgram) + "/" + kVersion + " (cfmon)";
  std::vector<std::string> warnings;
  auto error = plugin::validate_common(o.common);
  if (!error) error = plugin::check_input_files(vm, o.common.allow_shared_files, warnings);
  for (const auto& w : warnings) ctx.err << kProgram << " " << command->name << ": warning: " << w << '\n';
  if (error) {
    ctx.err << kProgram << " " << command->name << ": " << error->message << '\n';
    return kExitUsage;
  }
  Runner runner(ctx, *command, o);
  return runner.run();
}

}  // namespace cfmon::cli
