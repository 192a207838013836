#include "cfmon/targets.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <system_error>

#include <vector>

#include "cfmon/text_util.hpp"

namespace cfmon {

namespace {

constexpr std::size_t max_name_length = 200;

bool is_alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_name_start(char c) noexcept {
  return is_alnum(c) || c == '_';
}
bool is_name_char(char c) noexcept {
  return is_name_start(c) || c == '.' || c == '-' || c == ':' || c == '/';
}
bool is_host_char(char c) noexcept {
  return is_alnum(c) || c == '.' || c == '-' || c == '_';
}
bool is_hex_or_colon(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<Error> check_url(std::string_view url) {
  const auto fail = [](const std::string& why) { return make_error("invalid URL: " + why); };
  if (url.empty()) return fail("empty");
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return fail("contains whitespace or a control character");
    if (u >= 0x80) {
      return fail(
          "contains non-ASCII characters (percent-encode the path, use punycode for the "
          "host)");
    }
  }
  const std::size_t sep = url.find("://");
  const std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep);
  bool scheme_ok = !scheme.empty();
  for (const char c : scheme) scheme_ok = scheme_ok && (is_alnum(c) || c == '+' || c == '-' || c == '.');
  if (!scheme_ok) return fail("must start with http:// or https://");
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) {
    return fail("unsupported scheme '" + detail::printable(scheme, 20) + "' (use http or https)");
  }

  std::string_view rest = url.substr(sep + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return fail("must not contain user:password@ (pass credentials through the token options)");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated '[' in the IPv6 host");
    host = authority.substr(0, close + 1);
    const std::string_view inner = host.substr(1, host.size() - 2);
    bool ok = inner.find(':') != std::string_view::npos;
    for (const char c : inner) ok = ok && is_hex_or_colon(c);
    if (!ok) return fail("invalid IPv6 host '" + detail::printable(host) + "'");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the IPv6 host");
      has_port = true;
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return fail("missing host");
  if (host.front() != '[') {
    bool ok = is_name_start(host.front());
    for (const char c : host) ok = ok && is_host_char(c);
    if (!ok) return fail("invalid host '" + detail::printable(host) + "'");
  }
  if (has_port) {
    if (port.empty()) return fail("empty port after ':'");
    int value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value < 1 || value > 65535) {
      return fail("port must be a number from 1 to 65535");
    }
  }
  return std::nullopt;
}

std::optional<Error> check_name(std::string_view name) {
  if (name.empty()) return make_error("empty target name");
  bool ok = name.size() <= max_name_length && is_name_start(name.front());
  for (const char c : name) ok = ok && is_name_char(c);
  if (!ok) {
    return make_error("invalid target name '" + detail::printable(name) +
                      "' (use up to 200 letters, digits and . _ - : /, starting with a letter, "
                      "digit or _)");
  }
  return std::nullopt;
}

}  // namespace

Expected<Target> make_target(std::string name, std::string url) {
  if (auto err = check_url(url)) return *err;
  if (auto err = check_name(name)) return *err;
  return Target{std::move(name), std::move(url)};
}

std::string default_target_name(std::string_view url) {
  if (const std::size_t sep = url.find("://"); sep != std::string_view::npos) {
    url.remove_prefix(sep + 3);
  }
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash);
  // User info never becomes part of a name: it would print a password.
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (path == "/") path = {};
  std::string name;
  name.reserve(authority.size() + path.size());
  for (const char c : authority) name += is_name_char(c) ? c : '_';
  for (const char c : path) name += is_name_char(c) ? c : '_';
  // A name must stay valid for any valid URL, so -u never fails on its length.
  if (name.size() > max_name_length) name.resize(max_name_length);
  return name;
}

Expected<std::vector<Target>> parse_targets(std::string_view text) {
  text = detail::strip_bom(text);
  std::vector<Target> targets;
  std::map<std::string, std::size_t, std::less<>> first_line;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto fail = [&](const std::string& why) {
      return make_error("line " + std::to_string(line_no) + ": " + why);
    };
    if (line.find('\0') != std::string_view::npos) return fail("contains a NUL byte");

    std::vector<std::string_view> fields;
    std::string_view rest = detail::trim_blanks(line);
    while (!rest.empty()) {
      std::size_t end = 0;
      while (end < rest.size() && !detail::is_blank(rest[end])) ++end;
      const std::string_view field = rest.substr(0, end);
      if (field.front() == '#') break;  // comment, also after the URL
      fields.push_back(field);
      rest = detail::trim_blanks(rest.substr(end));
    }
    if (fields.empty()) continue;
    if (fields.size() > 2) {
      return fail("too many fields (expected NAME URL or URL; names cannot contain blanks)");
    }
    const bool first_is_url = fields[0].find("://") != std::string_view::npos;
    if (fields.size() == 1 && !first_is_url) {
      return fail("expected NAME URL or a URL starting with http:// or https://");
    }
    if (fields.size() == 2 && first_is_url) {
      return fail("expected NAME URL (the name comes first)");
    }
    const std::string_view url = fields.size() == 2 ? fields[1] : fields[0];
    std::string name = fields.size() == 2 ? std::string(fields[0]) : default_target_name(url);
    auto target = make_target(std::move(name), std::string(url));
    if (!target) return fail(target.error().message);
    if (const auto it = first_line.find(target->name); it != first_line.end()) {
      return fail("duplicate target name '" + target->name + "' (first on line " + std::to_string(it->second) + ")");
    }
    first_line.emplace(target->name, line_no);
    targets.push_back(std::move(*target));
  }
  return targets;
}

Expected<std::vector<Target>> read_targets_file(const std::string& path, std::size_t max_bytes) {
  auto text = detail::read_text_file(path, max_bytes, "targets file");
  if (!text) return text.error();
  auto parsed = parse_targets(*text);
  if (!parsed) {
    return make_error("targets file '" + detail::printable(path, 200) + "': " + parsed.error().message);
  }
  return parsed;
}

}  // namespace cfmon
