// URLs, origins and curl --resolve entries; the small public helpers of the engine.
#include <algorithm>
#include <cctype>

#include "cfmon/tables.hpp"
#include "http_internal.hpp"

namespace cfmon::http {
namespace internal {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace internal

namespace {

using internal::to_lower;
using internal::Url;

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// "host:port" of an http(s) URL as curl --resolve entries name it (IPv6 literals keep
// their brackets); empty when the URL does not parse, and then nothing is filtered.
std::string resolve_key(const std::string& url) {
  std::string key;
  CURLU* u = curl_url();
  if (u == nullptr) return key;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    key = std::string(host) + ":" + port + ":";
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return key;
}

std::optional<std::string> url_part(CURLU* u, CURLUPart part, unsigned int flags = 0) {
  char* text = nullptr;
  if (curl_url_get(u, part, &text, flags) != CURLUE_OK || text == nullptr) return std::nullopt;
  std::string out(text);
  curl_free(text);
  return out;
}

bool is_http_scheme(CURLU* u) {
  const auto scheme = url_part(u, CURLUPART_SCHEME);
  return scheme && (*scheme == "http" || *scheme == "https");
}

// Whether a --resolve entry ([+-]HOST:PORT[:ADDR...] or *:PORT:ADDR...) can apply to
// `key` ("host:port:").
bool resolve_entry_applies(std::string_view entry, std::string_view key) {
  if (key.empty()) return true;
  if (!entry.empty() && (entry.front() == '+' || entry.front() == '-')) entry.remove_prefix(1);
  const auto names = [&entry](std::string_view host_port) {  // "host:port" then ':' or the end
    return iequals_prefix(entry, host_port) && (entry.size() == host_port.size() || entry[host_port.size()] == ':');
  };
  const std::string_view host_port = key.substr(0, key.size() - 1);
  const auto port = host_port.rfind(':');  // IPv6 hosts hold ':' too; the port follows the last
  return names(host_port) || (port != std::string_view::npos && names("*" + std::string(host_port.substr(port))));
}

}  // namespace

std::optional<std::string_view> Response::header(std::string_view name) const {
  const std::string lower = to_lower(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string> resolve_entries_for(const std::string& url, const std::vector<std::string>& resolve) {
  if (resolve.empty()) return {};
  const std::string key = resolve_key(url);
  std::vector<std::string> entries;
  for (const auto& entry : resolve) {
    if (resolve_entry_applies(entry, key)) entries.push_back(entry);
  }
  return entries;
}

std::optional<std::string> resolve_location(const std::string& base, std::string_view location) {
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return std::nullopt;
  // A relative or protocol-relative Location resolves against the base, as browsers do.
  const std::string text(location);
  if (text.empty() || text.find('\0') != std::string::npos ||
      curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_URLENCODE | CURLU_ALLOW_SPACE) != CURLUE_OK ||
      !is_http_scheme(u.get())) {
    return std::nullopt;
  }
  (void)curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);  // never sent
  return url_part(u.get(), CURLUPART_URL);
}

std::optional<std::string> origin_of(const std::string& url) {
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK || !is_http_scheme(u.get())) {
    return std::nullopt;
  }
  const auto scheme = url_part(u.get(), CURLUPART_SCHEME);
  const auto host = url_part(u.get(), CURLUPART_HOST);
  const auto port = url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) return std::nullopt;
  return *scheme + "://" + to_lower(*host) + ":" + *port;
}

std::optional<HostPath> host_and_path(const std::string& url) {
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK || !is_http_scheme(u.get())) {
    return std::nullopt;
  }
  const auto host = url_part(u.get(), CURLUPART_HOST);
  if (!host) return std::nullopt;
  const auto path = url_part(u.get(), CURLUPART_PATH);
  return HostPath{to_lower(*host), path && !path->empty() ? *path : "/"};
}

namespace {

constexpr EnumNames<ErrorKind, 8> kErrorKindNames{{"dns_error", "connect_error", "tls_error", "timeout",
                                                   "protocol_error", "response_too_large", "config_error",
                                                   "transport_error"}};
static_assert(kErrorKindNames.ends_with(ErrorKind::other));

}  // namespace

std::string_view error_kind_name(ErrorKind kind) noexcept {
  return kErrorKindNames(kind, "transport_error");
}

std::string trust_key(const Transport& transport) {
  std::string key = std::string("\ninsecure=") + (transport.insecure ? "1" : "0") + "\nca=" + transport.ca_file;
  for (const auto& r : transport.resolve) key += "\nresolve=" + r;
  return key;
}

}  // namespace cfmon::http
