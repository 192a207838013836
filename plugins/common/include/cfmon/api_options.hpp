#pragma once
// The Cloudflare API option group shared by everything that talks to the v4 API
// (check_cf_service_tokens, cf-service-token, the login-events check), and its
// validation into cloudflare::ApiSettings.
//
//   --api-token-file FILE   file holding only the API token (else CF_API_TOKEN from
//                           --env-file, then the environment)
//   --account-id ID         (else CF_ACCOUNT_ID from --env-file, then the environment)
//   --api-url URL           default https://api.cloudflare.com/client/v4
//   --per-page N            page size of list requests (1 to 1000)
//   --cache-ttl SECONDS     cache successful reads on disk this long (0 = off)
//   --cache-dir DIR         default: the first usable of default_cache_dirs()
// There is deliberately no option that takes the API token itself.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/check.hpp"
#include "cfmon/cloudflare_api.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/plugin.hpp"
#include "cfmon/token_selection.hpp"

namespace cfmon::plugin {

struct ApiOptions {
  std::optional<std::string> api_token_file;
  std::optional<std::string> account_id;
  std::string api_url = std::string(cloudflare::kDefaultApiUrl);
  unsigned per_page = 100;
  double cache_ttl_seconds = 0;
  std::string cache_dir;  // empty = default_cache_dirs()
};

// The option group, bound to `options` (account ID and token file are read back
// from the variables_map by api_options_from(), since they are optional).
boost::program_options::options_description api_options(ApiOptions& options);

// Copies the optional values out of a parsed variables_map.
void api_options_from(const boost::program_options::variables_map& vm, ApiOptions& options);

// Credentials resolved (through `env` and the files named), everything validated.
// `env_file` is the shared --env-file; `common` supplies timeout and transport.
Expected<cloudflare::ApiSettings> make_api_settings(const ApiOptions& options, const CommonConfig& common,
                                                    const EnvLookup& env, std::vector<std::string>* warnings);

// What every token-selecting API check's plan ends with: the selectors (the client ID of
// `common.env_file` among them) and the API settings, validated, written to `selectors`
// and `api`; the first error otherwise.
std::optional<Error> plan_selection_and_api(const TokenSelectionOptions& selection, const ApiOptions& options,
                                            const CommonConfig& common, const EnvLookup& env,
                                            std::vector<std::string>* warnings, std::vector<TokenSelector>& selectors,
                                            cloudflare::ApiSettings& api);

// The API client's hooks from a check's dependencies: its clock and its -v log.
cloudflare::ApiHooks api_hooks(const Deps& deps);

// Help text describing the credential lookup, for --help epilogues.
extern const char* const kApiCredentialsHelp;

}  // namespace cfmon::plugin
