#pragma once
// check_cf_access_logins's own options and their validation into a LoginsPlan.
#include <boost/program_options.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/api_options.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/plugin.hpp"
#include "logins_check.hpp"

namespace cfmon::logins {

struct LoginsOptions {
  plugin::TokenSelectionOptions selection;
  std::string since = "15m";
  std::string until;
  std::string warning;
  std::string critical;
  std::vector<std::string> allowed_cidrs;
  std::optional<std::int64_t> max_logins;
  bool expect_activity = false;
  unsigned limit = kDefaultLimit;
  std::optional<long long> min_api_budget;
  plugin::ApiOptions api;
};

// "90s", "15m", "1h30m", "2d": a positive whole number of seconds; nullopt when malformed.
std::optional<std::chrono::seconds> parse_window(std::string_view text);

boost::program_options::options_description logins_options(LoginsOptions& options);
void logins_options_from(const boost::program_options::variables_map& vm, LoginsOptions& options);

// Everything validated; API credentials resolved through `env` and the files named;
// with --env-file, the client ID it holds (CF_SERVICE_TOKEN_CLIENT_ID[_SUFFIX]) is selected.
Expected<LoginsPlan> make_plan(const LoginsOptions& options, const plugin::CommonConfig& common, const EnvLookup& env,
                               std::vector<std::string>* warnings);

extern const char* const kUsage;
extern const char* const kHelpEpilog;

}  // namespace cfmon::logins
