#pragma once
// check_cf_access_apps as a pure function: a validated plan, the Cloudflare API (service
// tokens and Access applications) in, a Result tree out (one child per app). No
// printing, no exit, no environment.
#include <string>
#include <vector>

#include "cfmon/access_apps.hpp"
#include "cfmon/cloudflare_api.hpp"
#include "cfmon/result.hpp"
#include "cfmon/token_selection.hpp"

namespace cfmon::apps {

// A hostname and path to audit (--domain, a target of --targets-file): the app Access
// picks for it is judged; none is CRITICAL no_access_app.
struct Location {
  std::string label;  // what the user wrote: "grafana.example.com/api", a target name
  std::string host;
  std::string path = "/";
};

struct AppsPlan {
  std::vector<std::string> app_names;  // --app
  std::vector<Location> locations;     // --domain, --targets-file
  bool orphans = false;                // --orphans
  plugin::TokenSelector token;         // the one token judged
  cloudflare::ApiSettings api;         // for main(); the check only uses the roles
};

Report run_apps_check(const AppsPlan& plan, cloudflare::TokenDirectory& tokens, cloudflare::AccessAppDirectory& apps);

// The apps a plan selects, for --discover (Zabbix LLD of apps).
Expected<std::vector<cloudflare::AccessAppInfo>> discover_apps(const AppsPlan& plan,
                                                               cloudflare::AccessAppDirectory& apps);

// "https://host:8443/a/b?q" or "host/a/b" -> host and path; nullopt when there is no host.
std::optional<Location> location_of(std::string label, std::string_view text);

}  // namespace cfmon::apps
