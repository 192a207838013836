#pragma once
// Bodies Cloudflare itself generates (as opposed to the origin's own): error pages
// and Access's denial and login-redirect pages. Small but shaped like the real ones,
// so probes learn to recognise them by status and headers, never by parsing HTML.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cfmon::emulator {

// "Connection timed out" for 522, ...; "" for codes without a known phrase.
std::string_view cloudflare_error_title(int code);

// HTML page for a 5xx Cloudflare generates (520-526): contains "error code: <status>".
std::string cloudflare_5xx_page(int status, std::string_view host, std::string_view ray);

// HTML page for a 1xxx error (e.g. 1033 under HTTP 530): contains "error code: <code>".
std::string cloudflare_1xxx_page(int code, std::string_view host, std::string_view ray);

// The JSON twin served when the client sends Accept: application/json.
std::string cloudflare_1xxx_json(int code, int http_status, std::optional<int> retry_after, std::string_view host,
                                 std::string_view ray);

// Access's "Forbidden"/"Unauthorized" page for a 403/401 it generated.
std::string access_denied_page(int status, std::string_view host);

// Body of the 302 to the login page.
std::string login_redirect_page(std::string_view location);

// base64url without padding, as JWTs use it.
std::string base64url(std::string_view bytes);

// The claims of the JWT Access issues to a service token for an application (24 h).
nlohmann::json access_jwt_claims(std::string_view aud, std::string_view client_id, std::string_view team_domain,
                                 long long issued_at_unix);

// A JWT-shaped CF_Authorization value: real header and claims, fake signature; what the
// edge sets when no signing keys were given (the edge's unit tests). The emulator
// itself signs with AccessKeys.
std::string fake_access_jwt(std::string_view aud, std::string_view client_id, std::string_view team_domain,
                            long long issued_at_unix);

}  // namespace cfmon::emulator
