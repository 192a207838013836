// cf-service-token create: creates a token and saves its credentials to --env-file
// before anything else happens.
#include <algorithm>
#include <boost/program_options.hpp>
#include <ostream>

#include "session.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

constexpr std::string_view kDefaultDuration = "8760h";  // the API's, when create names none

void add_options(po::options_description& group, Options& o) {
  // clang-format off
  group.add_options()
    ("name", po::value(&o.name)->value_name("NAME"), "name of the new token (required)")
    ("duration", po::value(&o.duration)->value_name("DURATION"),
       "lifetime: a Go duration such as 8760h (the API's default) or forever");
  // clang-format on
  add_new_secret_options(group, o);
}

struct Create final : Session {
  using Session::Session;

  int run() {
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
    const KeyChoice choice = key_choice();
    if (env_file) {
      DotenvMap current;
      if (auto problem = preflight_env_file(*env_file, current)) return fail(kExitUsage, *problem);
      if (auto conflict = choice.conflict_in(current, choice.keys_in(current, ""), ""); !conflict.empty()) {
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
    SecretFirst::ReadBack read_back;
    if (!info.id.empty()) read_back = [this, &info] { return api_->get_service_token(info.id); };
    auto saved = secret_first().save(env_file, choice, info.client_id, *created,
                                     {default_env_keys(o_.var_prefix.value_or(""))}, read_back);
    if (!saved) return saved.error().exit_code;
    const std::vector<EnvKeys> keys = std::move(*saved);
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
      print_credentials(ctx_.out, keys, info.client_id, created->client_secret);
    }
    return kExitOk;
  }

 private:
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
    if (auto done = secret_first().complete_client_id(*o_.common.env_file, keys, info.client_id, secret); !done) {
      warn("the secret is saved, but its client ID (" + printable(info.client_id) +
           ") could not be added: " + done.error().message);
    } else {
      for (const auto& w : done->warnings) warn(w);
    }
  }
};

}  // namespace

const CommandCode kCreate = {add_options, run_command<Create>};

}  // namespace cfmon::cli
