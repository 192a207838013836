#include "edge.hpp"

#include "access_keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "canned_response.hpp"
#include "error_pages.hpp"

namespace cfmon::emulator {
namespace {

constexpr std::string_view kHtml = "text/html; charset=UTF-8";
constexpr std::string_view kText = "text/plain; charset=UTF-8";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         }) != haystack.end();
}

EdgeResponse simple_response(int status, std::string_view content_type, std::string body, std::string verdict) {
  return canned_response<EdgeResponse>(status, content_type, std::move(body), std::move(verdict));
}

// What Access concluded about this request: from the app's policies (access_policy.hpp),
// after the token store judged the presented credentials.
struct AccessOutcome {
  bool presented = false;    // credentials were sent
  bool valid_token = false;  // ... and they authenticate a token
  AdmissionResult decision;

  [[nodiscard]] bool granted() const { return decision.admission == Admission::granted; }
};

// The client's address; a test may stand in for a foreign (or IPv6) client.
std::string client_ip(const EdgeRequest& request) {
  if (const std::string* ip = request.header("X-Emulator-Client-IP"); ip != nullptr && !ip->empty()) return *ip;
  return request.remote_addr;
}

AccessOutcome evaluate_access(const std::vector<AccessPolicy>& policies,
                              const std::optional<PresentedCredentials>& credentials, const TokenCheck& check,
                              const EdgeRequest& request) {
  AccessOutcome outcome;
  outcome.presented = credentials.has_value();
  outcome.valid_token = credentials && credentials->well_formed && check.valid();
  RequestFacts facts;
  if (outcome.valid_token) facts.token_id = check.token_id;
  facts.client_ip = client_ip(request);
  outcome.decision = decide_admission(policies, facts);
  return outcome;
}

// ---- origin side -------------------------------------------------------------------

std::string echo_body(const EdgeRequest& request) {
  std::string body;
  for (const auto& [name, value] : request.headers) body += name + ": " + value + "\n";
  return body;
}

// 530 with a 1xxx code: HTML by default, JSON when the client asks for it.
void fill_1xxx_error(const AppConfig& app, const EdgeRequest& request, std::string_view ray, EdgeResponse& response) {
  const int code = *app.origin.cf_error;
  const std::string* accept = request.header("Accept");
  if (accept != nullptr && icontains(*accept, "application/json")) {
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = cloudflare_1xxx_json(code, response.status, app.origin.retry_after, app.host, ray);
  } else {
    response.headers.emplace_back("Content-Type", kHtml);
    response.body = cloudflare_1xxx_page(code, app.host, ray);
  }
}

// Cloudflare's own pages (1xxx under 530, an empty-bodied 52x) replace the origin's body;
// otherwise the configured body, or the echoed request headers.
void fill_origin_body(const AppConfig& app, const EdgeRequest& request, std::string_view ray, EdgeResponse& response) {
  const OriginConfig& origin = app.origin;
  if (origin.status == 530 && origin.cf_error) {
    fill_1xxx_error(app, request, ray, response);
  } else if (origin.status >= 520 && origin.status <= 526 && origin.body.empty()) {
    response.headers.emplace_back("Content-Type", kHtml);
    response.body = cloudflare_5xx_page(origin.status, app.host, ray);
  } else {
    response.body = origin.echo_request_headers ? echo_body(request) : origin.body;
    if (find_header(origin.headers, "Content-Type") == nullptr) {
      response.headers.emplace_back("Content-Type", kText);
    }
  }
}

EdgeResponse origin_response(const AppConfig& app, const EdgeRequest& request, std::string_view ray,
                             std::string verdict) {
  // An app that redirects serves the page it redirects to (a probe following it lands).
  const std::string* location = find_header(app.origin.headers, "Location");
  if (location != nullptr && app.origin.status >= 300 && app.origin.status <= 399 && *location == request.target) {
    EdgeResponse landed = simple_response(200, kText, request.target.substr(1) + " of " + app.name, std::move(verdict));
    landed.delay = app.origin.delay;
    return landed;
  }
  EdgeResponse response;
  response.status = app.origin.status;
  response.delay = app.origin.delay;
  response.verdict = std::move(verdict);
  fill_origin_body(app, request, ray, response);
  for (const auto& [name, value] : app.origin.headers) {
    // A generated page already chose its Content-Type; never send two.
    if (iequals(name, "Content-Type") && response.header("Content-Type") != nullptr) continue;
    response.headers.emplace_back(name, value);
  }
  if (app.origin.retry_after) {
    response.headers.emplace_back("Retry-After", std::to_string(*app.origin.retry_after));
  }
  return response;
}

// ---- Access side -------------------------------------------------------------------

EdgeResponse access_denied(const AppConfig& app, int status, std::string verdict) {
  EdgeResponse response = simple_response(status, kHtml, access_denied_page(status, app.host), std::move(verdict));
  // These two headers are how a probe tells an Access denial from the origin's own 403.
  response.headers.emplace_back("CF-Access-Aud", app.aud);
  response.headers.emplace_back("CF-Access-Domain", app.host);
  return response;
}

EdgeResponse login_redirect(const EmulatorConfig& config, const AppConfig& app, const EdgeRequest& request) {
  const std::string target = request.target.empty() ? std::string("/") : request.target;
  const std::string location = "https://" + config.team_domain + "/cdn-cgi/access/login/" + app.host +
                               "?kid=" + app.aud + "&redirect_url=" + url_encode(target);
  EdgeResponse response = simple_response(302, kHtml, login_redirect_page(location), "login_redirect");
  response.headers.emplace_back("Location", location);
  return response;
}

// Any outcome but granted or bypassed, per the spec's table.
EdgeResponse deny(const EmulatorConfig& config, const AppConfig& app, const EdgeRequest& request,
                  const AccessOutcome& outcome) {
  if (app.behaviour == Behaviour::strict && outcome.presented) {
    // Only Service Auth and Bypass authorize a token; Allow policies are ignored.
    if (!outcome.valid_token) return access_denied(app, 401, "strict_invalid_token");
    return access_denied(app, 403, "strict_no_policy");
    // No token at all: strict behaves like legacy (unconfirmed upstream; see the spec).
  }
  if (outcome.decision.admission == Admission::login) return login_redirect(config, app, request);
  if (outcome.decision.admission == Admission::denied) return access_denied(app, 403, "denied_by_policy");
  if (app.service_auth_401_redirect) return access_denied(app, 401, "denied_401");
  return access_denied(app, 403, "denied_403");
}

EdgeResponse grant(const EmulatorConfig& config, const AppConfig& app, const EdgeRequest& request, std::string_view ray,
                   const PresentedCredentials& credentials, TimePoint now) {
  EdgeResponse response = origin_response(app, request, ray, "granted");
  if (app.behaviour == Behaviour::legacy) {
    const auto issued =
        static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    const std::string jwt =
        config.access_keys
            ? config.access_keys->sign(access_jwt_claims(app.aud, credentials.client_id, config.team_domain, issued))
            : fake_access_jwt(app.aud, credentials.client_id, config.team_domain, issued);
    response.headers.emplace_back("Set-Cookie", "CF_Authorization=" + jwt + "; Path=/; Secure; HttpOnly");
  }
  return response;
}

AuthEvent make_auth_event(const AppConfig& app, const EdgeRequest& request, const PresentedCredentials& credentials,
                          const TokenCheck& check, const AccessOutcome& outcome, TimePoint now) {
  AuthEvent event;
  event.datetime = now;
  event.client_id = credentials.client_id;
  event.token_id = check.token_id;
  event.success = outcome.granted();
  event.well_formed = credentials.well_formed;
  event.source_ip = client_ip(request);
  event.app_host = app.host;
  return event;
}

EdgeResponse protected_app_response(const EmulatorConfig& config, const AppConfig& app, const EdgeRequest& request,
                                    const TokenStore& tokens, const AccessDirectory* access, TimePoint now,
                                    std::string_view ray) {
  const auto credentials = extract_credentials(app, request);
  TokenCheck check;
  if (credentials && credentials->well_formed) {
    check = tokens.check(credentials->client_id, credentials->client_secret, now);
  } else if (credentials) {
    // Malformed, but a recognisable client id still names the token in the log.
    if (const auto token = tokens.find_by_client_id(credentials->client_id)) check.token_id = token->id;
  }
  const AccessOutcome outcome =
      evaluate_access(access != nullptr ? access->policies_of(app) : app.policies, credentials, check, request);
  EdgeResponse response;
  if (outcome.granted()) {
    response = grant(config, app, request, ray, *credentials, now);
  } else if (outcome.decision.admission == Admission::bypassed) {
    response = origin_response(app, request, ray, "bypass");
  } else {
    response = deny(config, app, request, outcome);
  }
  if (credentials) {
    response.auth_event = make_auth_event(app, request, *credentials, check, outcome, now);
    response.verdict += " token=" + std::string(token_status_name(check.status));
  }
  return response;
}

EdgeResponse route(const EmulatorConfig& config, const EdgeRequest& request, const TokenStore& tokens,
                   const AccessDirectory* access, TimePoint now, std::string_view ray, const TunnelStore* tunnels) {
  const std::string* host = request.header("Host");
  const AppConfig* app = host != nullptr ? config.find_app(*host) : nullptr;
  if (app == nullptr) return simple_response(530, kText, "error code: 1001", "unknown_host");
  // Behind a tunnel without connections: Access still decides, the origin is gone (1033).
  AppConfig behind_down_tunnel;
  if (tunnels != nullptr && tunnels->host_down(app->host)) {
    behind_down_tunnel = *app;
    behind_down_tunnel.origin = OriginConfig{};
    behind_down_tunnel.origin.status = 530;
    behind_down_tunnel.origin.cf_error = 1033;
    app = &behind_down_tunnel;
  }
  // The WAF runs before Access, so its 403 carries no Access headers.
  if (app->waf_block) return simple_response(403, kText, "error code: 1010", "waf_block");
  if (!app->is_protected) return origin_response(*app, request, ray, "unprotected");
  return protected_app_response(config, *app, request, tokens, access, now, ray);
}

std::optional<PresentedCredentials> credentials_from_json_header(const std::string& value) {
  PresentedCredentials credentials;
  const auto parsed = nlohmann::json::parse(value, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return credentials;  // presented, invalid
  const auto id = parsed.find("cf-access-client-id");
  const auto secret = parsed.find("cf-access-client-secret");
  const bool id_ok = id != parsed.end() && id->is_string();
  const bool secret_ok = secret != parsed.end() && secret->is_string();
  if (id_ok) credentials.client_id = id->get<std::string>();
  if (secret_ok) credentials.client_secret = secret->get<std::string>();
  credentials.well_formed = id_ok && secret_ok;
  return credentials;
}

}  // namespace

const std::string* find_header(const HeaderList& headers, std::string_view name) {
  const auto it =
      std::find_if(headers.begin(), headers.end(), [&](const auto& header) { return iequals(header.first, name); });
  return it == headers.end() ? nullptr : &it->second;
}

std::optional<PresentedCredentials> extract_credentials(const AppConfig& app, const EdgeRequest& request) {
  if (app.token_header) {
    const std::string* value = request.header(*app.token_header);
    if (value == nullptr) return std::nullopt;
    return credentials_from_json_header(*value);
  }
  const std::string* id = request.header("CF-Access-Client-Id");
  const std::string* secret = request.header("CF-Access-Client-Secret");
  if (id == nullptr && secret == nullptr) return std::nullopt;
  PresentedCredentials credentials;
  if (id != nullptr) credentials.client_id = *id;
  if (secret != nullptr) credentials.client_secret = *secret;
  credentials.well_formed = id != nullptr && secret != nullptr;
  return credentials;
}

EdgeResponse handle_edge_request(const EmulatorConfig& config, const EdgeRequest& request, const TokenStore& tokens,
                                 TimePoint now, std::string_view ray_id, const AccessDirectory* access,
                                 const TunnelStore* tunnels) {
  const std::string ray = std::string(ray_id) + "-" + config.colo;
  EdgeResponse response = route(config, request, tokens, access, now, ray, tunnels);
  // Every Cloudflare response, whoever produced it, carries these two first.
  response.headers.insert(response.headers.begin(), {{"server", "cloudflare"}, {"cf-ray", ray}});
  if (response.auth_event) response.auth_event->cf_ray = ray;
  return response;
}

}  // namespace cfmon::emulator
