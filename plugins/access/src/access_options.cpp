#include "access_options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "cfmon/cloudflare_settings.hpp"

namespace po = boost::program_options;

namespace cfmon::access {

const char* const kUsage = R"(Usage: check_cf_access -u URL [-u URL ...]
                       | --targets-file FILE [--target NAME ...] [--discover]
                       | -H HOST [-p PORT] [--path PATH]
         [--env-file FILE | --client-id ID --client-secret-file FILE]
         [--env-suffix S] [--token-header NAME] [--expect-protected]
         [-w RANGE] [-c RANGE] [-t SECONDS] [--timeout-state STATE]
         [--status-map MAP] [--method METHOD] [--max-body-bytes BYTES]
         [--parallel N] [--max-redirects N] [--allow-insecure-http]
         [--ca-file FILE] [-k] [--resolve HOST:PORT:ADDR ...] [-A TEXT]
         [--expect-aud TAG ... --team-domain TEAM.cloudflareaccess.com
          [--jwt-optional]]
         [--explain [--api-token-file FILE] [--account-id ID]
          [--api-url URL] [--per-page N]]
         [--cache-ttl SECONDS] [--cache-dir DIR]
         [--allow-shared-files] [-v]
         [--format nagios|influx|zabbix|json|openmetrics]
)";

const char* const kHelpEpilog = R"(Credentials (there is no option that takes the secret itself):
  client ID:     --client-id, then CF_SERVICE_TOKEN_CLIENT_ID<SUFFIX> in --env-file,
                 then in the environment
  client secret: --client-secret-file, then CF_SERVICE_TOKEN_CLIENT_SECRET<SUFFIX> in
                 --env-file, then in the environment

Targets file: one target per line, 'NAME URL' or just 'URL'; '#' starts a comment.

States: 2xx OK; login redirect, 401, 403 CRITICAL; 502/504/52x/530 WARNING (token
accepted, origin down); redirects inside the origin are followed
(--max-redirects), a loop is CRITICAL; a redirect to another origin is never
followed: OK only if Access set CF_Authorization, else WARNING; other 4xx/5xx
WARNING; DNS/connect/TLS failures CRITICAL; timeout --timeout-state; usage and
credential errors UNKNOWN.
--expect-aud: a 2xx is OK only with a CF_Authorization JWT signed by the team's
keys for one of the AUD tags and this client ID; no cookie WARNING unverifiable
(unless --jwt-optional), any other JWT CRITICAL not_through_access.
--explain: after a login redirect, 401 or 403 from Access, or a tunnel error
(530), the line ends with the cause read from the Cloudflare API (token expired,
deleted, disabled, not in a Service Auth policy, only in an Allow policy; the
tunnel's state). It never changes the state. The API token needs Access: Service
Tokens Read, Access: Apps and Policies Read and Cloudflare Tunnel Read.
-t is the budget of the whole run, every target included. http:// targets need
--allow-insecure-http (the secret would travel unencrypted).
)";

po::options_description access_options(AccessOptions& o) {
  po::options_description group("check_cf_access options");
  // clang-format off
  group.add_options()
    ("url,u", po::value(&o.urls)->value_name("URL")->composing(), "URL of an Access-protected app (repeatable)")
    ("targets-file", po::value<std::string>()->value_name("FILE"), "file of targets, one 'NAME URL' per line")
    ("target", po::value(&o.target_names)->value_name("NAME")->composing(),
       "probe only the target NAME of the targets (repeatable; e.g. one Zabbix item per app)")
    ("hostname,H", po::value(&o.hostname)->value_name("HOST"), "app hostname (URL https://HOST[:PORT]/PATH)")
    ("port,p", po::value(&o.port)->value_name("PORT"), "port for -H (default 443)")
    ("path", po::value(&o.path)->value_name("PATH")->default_value("/"), "path for -H")
    ("client-id", po::value<std::string>()->value_name("ID"), "service token client ID")
    ("client-secret-file", po::value<std::string>()->value_name("FILE"), "file holding the client secret")
    ("env-suffix", po::value(&o.env_suffix)->value_name("S"), "read CF_SERVICE_TOKEN_CLIENT_ID_<S> etc. (e.g. NEW)")
    ("token-header", po::value(&o.token_header)->value_name("NAME"),
       "send the token as one JSON header NAME instead of the two CF-Access-Client-* headers")
    ("expect-protected", po::bool_switch(&o.expect_protected),
       "also probe without a token: CRITICAL unless Access blocks it")
    ("timeout-state", po::value(&o.timeout_state)->value_name("STATE")->default_value("critical"),
       "state on timeout: ok|warning|critical|unknown")
    ("warning,w", po::value(&o.warning)->value_name("RANGE"), "response time range (s) for WARNING, Nagios syntax")
    ("critical,c", po::value(&o.critical)->value_name("RANGE"), "response time range (s) for CRITICAL, Nagios syntax")
    ("status-map", po::value(&o.status_map)->value_name("MAP"), "override states per status, e.g. 404=ok,5xx=critical")
    ("method", po::value(&o.method)->value_name("METHOD")->default_value("GET"), "GET or HEAD")
    ("max-body-bytes", po::value(&o.max_body_bytes)->value_name("BYTES")->default_value(kDefaultMaxBodyBytes),
       "read at most this many body bytes")
    ("parallel", po::value(&o.parallel)->value_name("N")->default_value(kDefaultParallel), "probes in flight at once")
    ("max-redirects", po::value(&o.max_redirects)->value_name("N")->default_value(kDefaultMaxRedirects),
       "follow at most N redirects inside the probed origin (same scheme, host, port), token re-sent; "
       "never to another origin")
    ("allow-insecure-http", po::bool_switch(&o.allow_insecure_http),
       "probe http:// targets with the token anyway (it crosses the network unencrypted)")
    ("discover", po::bool_switch(&o.discover), "list the targets, probe nothing (Zabbix LLD with --format zabbix)")
    ("expect-aud", po::value(&o.expect_aud)->value_name("TAG")->composing(),
       "a 2xx is OK only with an Access JWT for this application AUD tag (repeatable; needs --team-domain)")
    ("team-domain", po::value(&o.team_domain)->value_name("HOST"),
       "the Access team domain (TEAM.cloudflareaccess.com) whose keys sign the JWT")
    ("jwt-optional", po::bool_switch(&o.jwt_optional),
       "with --expect-aud: a 2xx without a CF_Authorization cookie stays OK (strict orgs issue none)")
    ("explain", po::bool_switch(&o.explain),
       "after a token or tunnel failure, name its cause from the Cloudflare API (needs API credentials)");
  // clang-format on
  // --cache-ttl and --cache-dir keep the API reads of --explain and the team's keys of --expect-aud.
  group.add(plugin::api_options(o.api));
  return group;
}

Expected<std::vector<Target>> resolve_targets(const AccessOptions& o) {
  std::vector<Target> targets;
  for (const auto& url : o.urls) {
    auto target = make_target(default_target_name(url), url);
    if (!target) return target.error();
    targets.push_back(std::move(*target));
  }
  if (!o.hostname.empty()) {
    if (o.hostname.find_first_of("/:@ ") != std::string::npos) {
      return make_error("-H takes a bare hostname, not '" + o.hostname + "'");
    }
    if (o.port < 0 || o.port > 65535) return make_error("--port must be between 1 and 65535");
    std::string url = "https://" + o.hostname;
    if (o.port != 0 && o.port != 443) url += ":" + std::to_string(o.port);
    url += o.path.empty() || o.path.front() != '/' ? "/" + o.path : o.path;
    auto target = make_target(default_target_name(url), url);
    if (!target) return target.error();
    targets.push_back(std::move(*target));
  }
  if (o.targets_file) {
    auto from_file = read_targets_file(*o.targets_file);
    if (!from_file) return from_file.error();
    for (auto& t : *from_file) targets.push_back(std::move(t));
  }
  if (targets.empty()) return make_error("no target: give -u URL, -H HOST or --targets-file FILE");
  // Names label perfdata and Zabbix items: they must be unique.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    for (std::size_t j = i + 1; j < targets.size(); ++j) {
      if (targets[i].name == targets[j].name) return make_error("target '" + targets[i].name + "' given twice");
    }
  }
  if (o.target_names.empty()) return targets;
  // A name selects rather than filters silently: an unknown one is a configuration error
  // (a Zabbix key naming a removed app must not look like a healthy empty result).
  std::vector<Target> selected;
  for (const auto& name : o.target_names) {
    const auto found = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.name == name; });
    if (found == targets.end()) {
      return make_error("--target: no target named '" + printable_text(name, 80) + "'" +
                        (o.targets_file ? " in " + *o.targets_file : std::string()));
    }
    if (std::find_if(selected.begin(), selected.end(), [&](const Target& t) { return t.name == name; }) ==
        selected.end()) {
      selected.push_back(*found);
    }
  }
  return selected;
}

namespace {

constexpr std::string_view kHttp = "http://";

// make_target accepts only http:// and https://, in any case.
bool is_plain_http(std::string_view url) {
  return url.size() >= kHttp.size() && std::equal(kHttp.begin(), kHttp.end(), url.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

bool is_domain_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
}

Expected<JwtPolicy> make_jwt_policy(const AccessOptions& o, const plugin::CommonConfig& common, const EnvLookup& env) {
  JwtPolicy policy;
  if (o.expect_aud.empty()) {
    if (!o.team_domain.empty() || o.jwt_optional)
      return make_error("--team-domain and --jwt-optional need --expect-aud");
    return policy;
  }
  for (const auto& aud : o.expect_aud) {
    if (aud.empty() || aud.size() > 256 ||
        !std::all_of(aud.begin(), aud.end(), [](char c) { return c > ' ' && c < 0x7f && c != '|'; })) {
      return make_error("--expect-aud takes an application's AUD tag (64 hex characters), not '" +
                        printable_text(aud, 80) + "'");
    }
  }
  if (o.team_domain.empty()) return make_error("--expect-aud needs --team-domain TEAM.cloudflareaccess.com");
  // HOST[:PORT]: the port only ever serves an emulator; the JWT's issuer is https://HOST.
  std::string host = o.team_domain;
  int port = 0;
  if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    const std::string digits = host.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(digits) < 1 || std::stoi(digits) > 65535) {
      return make_error("--team-domain: bad port in '" + printable_text(o.team_domain, 80) + "'");
    }
    port = std::stoi(digits);
    host.resize(colon);
  }
  if (host.find('.') == std::string::npos || !std::all_of(host.begin(), host.end(), is_domain_char)) {
    return make_error("--team-domain takes a host name such as acme.cloudflareaccess.com, not '" +
                      printable_text(o.team_domain, 80) + "'");
  }
  const auto& cache = o.api;
  if (!std::isfinite(cache.cache_ttl_seconds) || cache.cache_ttl_seconds < 0 || cache.cache_ttl_seconds > 86400) {
    return make_error("--cache-ttl must be between 0 and 86400 seconds");
  }
  policy.audiences = o.expect_aud;
  policy.team_domain = host;
  policy.team_port = port;
  std::transform(policy.team_domain.begin(), policy.team_domain.end(), policy.team_domain.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  policy.optional = o.jwt_optional;
  policy.cache_ttl = std::chrono::seconds(static_cast<long long>(std::llround(cache.cache_ttl_seconds)));
  if (!cache.cache_dir.empty()) {
    if (cache.cache_dir.front() != '/') return make_error("--cache-dir must be an absolute path");
    policy.cache_dirs = {cache.cache_dir};
  } else {
    policy.cache_dirs = cloudflare::default_cache_dirs(env, ::geteuid());
  }
  policy.trust = http::trust_key(plugin::transport_of(common));
  return policy;
}

}  // namespace

std::optional<Error> refuse_insecure_targets(const std::vector<Target>& targets, bool allow_insecure_http) {
  if (allow_insecure_http) return std::nullopt;
  for (const auto& t : targets) {
    if (!is_plain_http(t.url)) continue;
    return Error{"target '" + printable_text(t.name, 80) + "' is " + printable_text(t.url, 200) +
                 ": the service token would cross the network unencrypted; use https://" +
                 printable_text(t.url.substr(kHttp.size()), 200) + " (or --allow-insecure-http)"};
  }
  return std::nullopt;
}

Expected<AccessPlan> make_plan(const AccessOptions& o, const plugin::CommonConfig& common, const EnvLookup& env,
                               std::vector<std::string>* warnings) {
  AccessPlan plan;
  auto targets = resolve_targets(o);
  if (!targets) return targets.error();
  if (auto insecure = refuse_insecure_targets(*targets, o.allow_insecure_http)) return *insecure;
  plan.targets = std::move(*targets);
  for (const auto& t : plan.targets) {
    if (is_plain_http(t.url)) plan.insecure_targets.push_back(t.url);
  }

  const auto timeout_state = parse_state(o.timeout_state);
  if (!timeout_state) return make_error("--timeout-state must be ok, warning, critical or unknown");
  plan.timeout_state = *timeout_state;
  if (auto e = parse_thresholds(o.warning, o.critical, plan.warning, plan.critical)) return *e;
  if (!o.status_map.empty()) {
    auto map = StatusMap::parse(o.status_map);
    if (!map) return make_error("--status-map: " + map.error().message);
    plan.status_map = std::move(*map);
  }
  if (o.method != "GET" && o.method != "HEAD") return make_error("--method must be GET or HEAD");
  plan.method = o.method;
  if (o.parallel < 1 || o.parallel > 1000) return make_error("--parallel must be between 1 and 1000");
  plan.parallel = o.parallel;
  if (o.max_redirects < 0 || o.max_redirects > 20) return make_error("--max-redirects must be between 0 and 20");
  plan.max_redirects = o.max_redirects;
  if (o.max_body_bytes > std::size_t{16} * 1024 * 1024) return make_error("--max-body-bytes must be at most 16 MiB");
  plan.max_body_bytes = o.max_body_bytes;
  if (!o.token_header.empty() && !is_header_name(o.token_header)) {  // CR LF would inject headers
    return make_error("--token-header takes a header name, not '" + printable_text(o.token_header, 80) + "'");
  }
  plan.token_header = o.token_header;
  plan.expect_protected = o.expect_protected;

  CredentialSources sources;
  sources.client_id = o.client_id;
  sources.client_secret_file = o.client_secret_file;
  sources.env_file = common.env_file;
  sources.env_suffix = o.env_suffix;
  auto token = resolve_service_token(sources, env, warnings);
  if (!token) return token.error();
  plan.token = std::move(*token);

  plan.timeout = std::chrono::milliseconds(static_cast<long long>(std::llround(common.timeout_seconds * 1000.0)));
  auto jwt = make_jwt_policy(o, common, env);
  if (!jwt) return jwt.error();
  plan.jwt = std::move(*jwt);

  if (!o.explain) {
    if (o.api.api_token_file || o.api.account_id) return make_error("--api-token-file and --account-id need --explain");
    return plan;
  }
  auto api = plugin::make_api_settings(o.api, common, env, warnings);
  if (!api) return make_error("--explain: " + api.error().message);
  plan.explain = std::move(*api);
  return plan;
}

}  // namespace cfmon::access
