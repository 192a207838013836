#include "error_pages.hpp"

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "cfmon/tables.hpp"

namespace cfmon::emulator {
namespace {

std::string html_escape(std::string_view text) {
  static constexpr std::array<cfmon::CharEscape, 5> kHtmlEscapes{
      {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}}};
  return cfmon::escape_chars(text, kHtmlEscapes);
}

// The page frame every Cloudflare-generated HTML error shares here.
std::string error_page(std::string_view title, std::string_view code_line, std::string_view host,
                       std::string_view ray) {
  const std::string safe_title = html_escape(title);
  return "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><meta charset=\"UTF-8\">"
         "<title>" +
         html_escape(host) + " | " + safe_title +
         "</title></head>\n<body>\n"
         "<h1>" +
         safe_title + "</h1>\n<p>" + std::string(code_line) +
         "</p>\n"
         "<p>Cloudflare Ray ID: <strong>" +
         html_escape(ray) +
         "</strong></p>\n"
         "<p>Performance &amp; security by Cloudflare (cfmon emulator)</p>\n</body>\n</html>\n";
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8U) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
  return out;  // JWTs use base64url without padding
}

std::string_view cloudflare_error_title(int code) {
  static constexpr cfmon::CodeNames<int, 11> kTitles{
      {{{520, "Web server is returning an unknown error"},
        {521, "Web server is down"},
        {522, "Connection timed out"},
        {523, "Origin is unreachable"},
        {524, "A timeout occurred"},
        {525, "SSL handshake failed"},
        {526, "Invalid SSL certificate"},
        {1001, "DNS resolution error"},
        {1010, "The owner of this website has banned your access based on your browser's signature"},
        {1016, "Origin DNS error"},
        {1033, "Cloudflare Tunnel error"}}}};
  return kTitles(code, "");
}

std::string cloudflare_5xx_page(int status, std::string_view host, std::string_view ray) {
  const std::string code = std::to_string(status);
  const std::string title = "Error " + code + ": " + std::string(cloudflare_error_title(status));
  return error_page(title, "error code: " + code, host, ray);
}

std::string cloudflare_1xxx_page(int code, std::string_view host, std::string_view ray) {
  const std::string number = std::to_string(code);
  const std::string title = "Error " + number + ": " + std::string(cloudflare_error_title(code));
  return error_page(title, "error code: " + number, host, ray);
}

std::string cloudflare_1xxx_json(int code, int http_status, std::optional<int> retry_after, std::string_view host,
                                 std::string_view ray) {
  nlohmann::json body = {
      {"type",
       "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/"
       "cloudflare-1xxx-errors/error-" +
           std::to_string(code) + "/"},
      {"title", "Error " + std::to_string(code) + ": " + std::string(cloudflare_error_title(code))},
      {"status", http_status},
      {"error_code", code},
      {"error_name", code == 1033 ? "cloudflare_tunnel_error" : "cloudflare_error"},
      {"retryable", retry_after.has_value()},
      {"ray_id", std::string(ray)},
      {"zone", std::string(host)},
      {"cloudflare_error", true},
  };
  if (retry_after) body["retry_after"] = *retry_after;
  return body.dump() + "\n";
}

std::string access_denied_page(int status, std::string_view host) {
  const bool unauthorized = status == 401;
  const std::string title = unauthorized ? "Unauthorized" : "Forbidden";
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
         "<title>" +
         title +
         " · Cloudflare Access</title></head>\n<body>\n"
         "<h1>" +
         title + "</h1>\n<p>You don't have permission to view " + html_escape(host) +
         ". Contact your administrator.</p>\n</body>\n</html>\n";
}

std::string login_redirect_page(std::string_view location) {
  return "<html><head><title>Redirecting</title></head><body>"
         "<a href=\"" +
         html_escape(location) + "\">Found</a>.</body></html>\n";
}

nlohmann::json access_jwt_claims(std::string_view aud, std::string_view client_id, std::string_view team_domain,
                                 long long issued_at_unix) {
  return {
      {"aud", nlohmann::json::array({std::string(aud)})},
      {"common_name", std::string(client_id)},  // service tokens carry the client id here
      {"exp", issued_at_unix + 24 * 3600},
      {"iat", issued_at_unix},
      {"nbf", issued_at_unix},
      {"iss", "https://" + std::string(team_domain)},
      {"sub", ""},
      {"type", "app"},
  };
}

std::string fake_access_jwt(std::string_view aud, std::string_view client_id, std::string_view team_domain,
                            long long issued_at_unix) {
  const nlohmann::json header = {{"alg", "RS256"}, {"kid", "cfemu-fake-key"}, {"typ", "JWT"}};
  const auto claims = access_jwt_claims(aud, client_id, team_domain, issued_at_unix);
  return base64url(header.dump()) + "." + base64url(claims.dump()) + "." + base64url("cfmon-emulator-fake-signature");
}

}  // namespace cfmon::emulator
