#pragma once
// check_cf_access's own options and their validation into an AccessPlan.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "access_check.hpp"
#include "cfmon/api_options.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/plugin.hpp"

namespace cfmon::access {

struct AccessOptions {
  std::vector<std::string> urls;
  std::optional<std::string> targets_file;
  std::vector<std::string> target_names;  // --target: keep only these (in this order)
  std::string hostname;
  std::string path = "/";
  int port = 0;
  std::optional<std::string> client_id;
  std::optional<std::string> client_secret_file;
  std::string env_suffix;
  std::string token_header;
  bool expect_protected = false;
  std::string timeout_state = "critical";
  std::string warning;
  std::string critical;
  std::string status_map;
  std::string method = "GET";
  std::size_t parallel = kDefaultParallel;
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  int max_redirects = kDefaultMaxRedirects;
  bool allow_insecure_http = false;
  bool discover = false;
  std::vector<std::string> expect_aud;  // --expect-aud (repeatable)
  std::string team_domain;
  bool jwt_optional = false;
  bool explain = false;  // --explain: the cause of a failed probe, from the API
  // The API credentials of --explain, and the cache (--cache-ttl, --cache-dir) of the
  // API reads and of the team's keys of --expect-aud.
  plugin::ApiOptions api;
};

boost::program_options::options_description access_options(AccessOptions& options);

// Targets only (for --discover: no credentials needed).
Expected<std::vector<Target>> resolve_targets(const AccessOptions& options);

// Refuses http:// targets (the secret would cross the network in clear text) unless
// allowed; a one-line error names the target and the https:// URL to use instead.
std::optional<Error> refuse_insecure_targets(const std::vector<Target>& targets, bool allow_insecure_http);

// Everything validated; credentials resolved through `env` and the files named.
Expected<AccessPlan> make_plan(const AccessOptions& options, const plugin::CommonConfig& common, const EnvLookup& env,
                               std::vector<std::string>* warnings);

extern const char* const kUsage;
extern const char* const kHelpEpilog;

}  // namespace cfmon::access
