#include "cfmon/api_options.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <utility>

namespace po = boost::program_options;

namespace cfmon::plugin {

const char* const kApiCredentialsHelp =
    R"(Cloudflare API credentials (there is no option that takes the API token itself):
  API token:  --api-token-file, then CF_API_TOKEN in --env-file, then the environment
  account ID: --account-id, then CF_ACCOUNT_ID in --env-file, then the environment
The token needs Access: Service Tokens Read (Write for changes).
)";

po::options_description api_options(ApiOptions& o) {
  po::options_description group("Cloudflare API options");
  // clang-format off
  group.add_options()
    ("api-token-file", po::value<std::string>()->value_name("FILE"), "file holding only the Cloudflare API token")
    ("account-id", po::value<std::string>()->value_name("ID"), "Cloudflare account ID (else CF_ACCOUNT_ID)")
    ("api-url", po::value(&o.api_url)->value_name("URL")->default_value(std::string(cloudflare::kDefaultApiUrl)),
       "API base URL")
    ("per-page", po::value(&o.per_page)->value_name("N")->default_value(100), "list page size, 1 to 1000")
    ("cache-ttl", po::value(&o.cache_ttl_seconds)->value_name("SECONDS")->default_value(0, "0"),
       "keep successful API reads on disk this many seconds (0 = no cache)")
    ("cache-dir", po::value(&o.cache_dir)->value_name("DIR"), "cache directory (default: the first usable of $XDG_CACHE_HOME/cfmon, ~/.cache/cfmon, "
       "/var/cache/cfmon/UID, ${TMPDIR:-/tmp}/cfmon-UID)");
  // clang-format on
  return group;
}

void api_options_from(const po::variables_map& vm, ApiOptions& o) {
  if (vm.count("api-token-file") != 0U) o.api_token_file = vm["api-token-file"].as<std::string>();
  if (vm.count("account-id") != 0U) o.account_id = vm["account-id"].as<std::string>();
}

Expected<cloudflare::ApiSettings> make_api_settings(const ApiOptions& o, const CommonConfig& common,
                                                    const EnvLookup& env, std::vector<std::string>* warnings) {
  cloudflare::ApiSettings s;
  s.base_url = o.api_url;
  s.per_page = o.per_page;
  if (!std::isfinite(o.cache_ttl_seconds) || o.cache_ttl_seconds < 0 || o.cache_ttl_seconds > 86400) {
    return make_error("--cache-ttl must be between 0 and 86400 seconds");
  }
  s.cache.ttl = std::chrono::seconds(static_cast<long long>(std::llround(o.cache_ttl_seconds)));
  if (s.cache.ttl.count() > 0) {
    if (!o.cache_dir.empty()) {
      if (o.cache_dir.front() != '/') return make_error("--cache-dir must be an absolute path");
      s.cache.dir = o.cache_dir;
    } else {
      auto dirs = cloudflare::default_cache_dirs(env, ::geteuid());
      s.cache.dir = dirs.front();
      s.cache.fallbacks.assign(dirs.begin() + 1, dirs.end());
    }
  }

  cloudflare::ApiCredentialSources sources;
  sources.api_token_file = o.api_token_file;
  sources.account_id = o.account_id;
  sources.env_file = common.env_file;
  auto credentials = cloudflare::resolve_api_credentials(sources, env, warnings);
  if (!credentials) return credentials.error();
  // Never quoted: sent as "Authorization: Bearer <token>", a CR LF would inject headers.
  if (has_control_characters(credentials->api_token.reveal())) {
    return make_error("the API token contains control characters");
  }
  s.credentials = std::move(*credentials);

  s.timeout = std::chrono::milliseconds(static_cast<long long>(std::llround(common.timeout_seconds * 1000.0)));
  s.cache.trust = http::trust_key(transport_of(common));
  if (auto error = cloudflare::validate_settings(s)) return *error;
  return s;
}

std::optional<Error> plan_selection_and_api(const TokenSelectionOptions& selection, const ApiOptions& options,
                                            const CommonConfig& common, const EnvLookup& env,
                                            std::vector<std::string>* warnings, std::vector<TokenSelector>& selectors,
                                            cloudflare::ApiSettings& api) {
  auto made_selectors = make_selectors(selection, common.env_file);
  if (!made_selectors) return made_selectors.error();
  auto settings = make_api_settings(options, common, env, warnings);
  if (!settings) return settings.error();
  selectors = std::move(*made_selectors);
  api = std::move(*settings);
  return std::nullopt;
}

cloudflare::ApiHooks api_hooks(const Deps& deps) {
  cloudflare::ApiHooks hooks;
  hooks.wall_now = deps.now;
  hooks.log = deps.log;
  hooks.warn = deps.warn;
  return hooks;
}

}  // namespace cfmon::plugin
