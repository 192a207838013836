#pragma once
// check_cf_access_apps's own options and their validation into an AppsPlan.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apps_check.hpp"
#include "cfmon/api_options.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/plugin.hpp"

namespace cfmon::apps {

struct AppsOptions {
  plugin::TokenSelectionOptions selection;
  std::vector<std::string> app_names;
  std::vector<std::string> domains;
  std::optional<std::string> targets_file;
  bool orphans = false;
  bool discover = false;
  plugin::ApiOptions api;
};

boost::program_options::options_description apps_options(AppsOptions& options);
void apps_options_from(const boost::program_options::variables_map& vm, AppsOptions& options);

// Everything validated; exactly one token selected (--env-file's client ID, --client-id,
// --name or --id); the targets file read with check_cf_access's parser.
Expected<AppsPlan> make_plan(const AppsOptions& options, const plugin::CommonConfig& common, const EnvLookup& env,
                             std::vector<std::string>* warnings);

extern const char* const kUsage;
extern const char* const kHelpEpilog;

}  // namespace cfmon::apps
