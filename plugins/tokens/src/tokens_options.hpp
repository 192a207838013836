#pragma once
// check_cf_service_tokens's own options and their validation into a TokensPlan.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/api_options.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/plugin.hpp"
#include "tokens_check.hpp"

namespace cfmon::tokens {

struct TokensOptions {
  plugin::TokenSelectionOptions selection;
  double warning_days = kDefaultWarningDays;
  double critical_days = kDefaultCriticalDays;
  std::optional<double> max_idle_days;
  std::optional<double> max_lifetime_days;
  bool discover = false;
  std::optional<long long> min_api_budget;
  plugin::ApiOptions api;
};

// check_cf_service_tokens's group plus the shared Cloudflare API group.
boost::program_options::options_description tokens_options(TokensOptions& options);

// Copies the optional values out of a parsed variables_map.
void tokens_options_from(const boost::program_options::variables_map& vm, TokensOptions& options);

// Everything validated; API credentials resolved through `env` and the files named;
// with --env-file, the client ID it holds (CF_SERVICE_TOKEN_CLIENT_ID[_SUFFIX]) is selected too.
Expected<TokensPlan> make_plan(const TokensOptions& options, const plugin::CommonConfig& common, const EnvLookup& env,
                               std::vector<std::string>* warnings);

extern const char* const kUsage;
extern const char* const kHelpEpilog;

}  // namespace cfmon::tokens
