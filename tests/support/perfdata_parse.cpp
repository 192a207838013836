#include "support/perfdata_parse.hpp"

#include <charconv>
#include <system_error>

namespace cfmon::testing {

std::optional<Perfdata> parse_perfdata(const std::string& item) {
  Perfdata p;
  std::size_t at = 0;
  if (!item.empty() && item.front() == '\'') {
    // A quote inside a quoted label is written twice.
    for (at = 1; at < item.size(); ++at) {
      if (item[at] == '\'') {
        if (at + 1 < item.size() && item[at + 1] == '\'') {
          p.label += '\'';
          ++at;
          continue;
        }
        break;
      }
      p.label += item[at];
    }
    if (at >= item.size()) return std::nullopt;
    ++at;
  } else {
    at = item.find('=');
    if (at == std::string::npos) return std::nullopt;
    p.label = item.substr(0, at);
  }
  if (p.label.empty() || at >= item.size() || item[at] != '=') return std::nullopt;
  ++at;
  const std::string rest = item.substr(at);
  std::vector<std::string> parts{""};
  for (const char c : rest) {
    if (c == ';') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  if (parts.size() > 5) return std::nullopt;
  const std::string& value = parts[0];
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), p.value);
  if (ec != std::errc{} || ptr == value.data()) return std::nullopt;
  p.uom = value.substr(static_cast<std::size_t>(ptr - value.data()));
  parts.resize(5);
  p.warn = parts[1];
  p.crit = parts[2];
  p.min = parts[3];
  p.max = parts[4];
  return p;
}

std::vector<std::string> split_perfdata(const std::string& text) {
  std::vector<std::string> items;
  std::string current;
  bool quoted = false;
  for (const char c : text) {
    if (c == '\'') quoted = !quoted;
    if ((c == ' ' || c == '\n') && !quoted) {
      if (!current.empty()) items.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) items.push_back(current);
  return items;
}

}  // namespace cfmon::testing
