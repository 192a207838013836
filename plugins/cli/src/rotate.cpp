// cf-service-token rotate: gives a token a new secret, saves it before anything
// else, then probes each --verify URL with it.
#include <boost/program_options.hpp>
#include <ostream>

#include "session.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

void add_options(po::options_description& group, Options& o) {
  // clang-format off
  group.add_options()
    ("grace", po::value(&o.grace)->value_name("DURATION"),
       "keep the previous secret working this long (Go duration: 24h, 90m)")
    ("verify", po::value(&o.verify)->composing()->value_name("URL"),
       "probe this URL with the new secret afterwards (repeatable)")
    ("token-header", po::value(&o.access.token_header)->value_name("NAME"),
       "--verify: send the token as one JSON header NAME")
    ("max-redirects", po::value(&o.access.max_redirects)->default_value(access::kDefaultMaxRedirects)->value_name("N"),
       "--verify: follow at most N redirects inside each URL's origin; never to another origin")
    ("allow-insecure-http", po::bool_switch(&o.access.allow_insecure_http),
       "--verify: allow http:// URLs (the new secret crosses the network unencrypted)");
  // clang-format on
  add_new_secret_options(group, o);
}

struct Rotate final : Session {
  using Session::Session;

  int run() {
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
    const KeyChoice choice = key_choice();
    if (env_file) {
      if (auto conflict = choice.conflict_in(current, choice.keys_in(current, token->client_id), token->client_id);
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

    auto saved = secret_first().save(env_file, choice, client_id, *rotated, choice.keys_in(current, client_id));
    if (!saved) return saved.error().exit_code;
    const std::vector<EnvKeys> keys = std::move(*saved);

    ctx_.out << "rotated the secret of '" << printable(token->name) << "' (client ID " << printable(client_id) << ")\n";
    if (previous_expires) {
      ctx_.out << "  the previous secret keeps working until " << cloudflare::format_rfc3339(*previous_expires) << '\n';
    } else {
      ctx_.out << "  the previous secret no longer works\n";
    }
    if (env_file) ctx_.out << "  saved to " << printable(*env_file) << " (" << key_list(keys) << ", mode 0600)\n";
    if (o_.show_secret) {
      if (!env_file) warn("the secret below is not saved anywhere and Cloudflare never shows it again");
      print_credentials(ctx_.out, keys, client_id, rotated->client_secret);
    }
    if (o_.verify.empty()) return kExitOk;
    return verify(client_id, rotated->client_secret);
  }

 private:
  // Probes each --verify URL with the new secret only.
  int verify(const std::string& client_id, const Secret& secret) {
    access::AccessOptions options;
    options.urls = o_.verify;
    options.client_id = client_id;
    options.token_header = o_.access.token_header;
    options.max_redirects = o_.access.max_redirects;
    options.allow_insecure_http = o_.access.allow_insecure_http;
    plugin::CommonConfig common = o_.common;
    common.env_file.reset();  // the new secret, not whatever the file held before
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
};

}  // namespace

const CommandCode kRotate = {add_options, run_command<Rotate>};

}  // namespace cfmon::cli
