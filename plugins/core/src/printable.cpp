#include "cfmon/printable.hpp"

#include <algorithm>
#include <cctype>

namespace cfmon {
namespace {

bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_chars, PrintStyle style) {
  std::string out;
  for (const char c : text.substr(0, max_chars)) {
    out += (is_control(c) || (style.bar_too && c == '|')) ? style.replacement : c;
  }
  if (style.ellipsis && text.size() > max_chars) out += "...";
  return out;
}

bool has_control_characters(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), is_control);
}

std::string url_encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 0x0FU];
    }
  }
  return out;
}

}  // namespace cfmon
