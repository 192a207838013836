#include "cfmon/printable.hpp"

#include <algorithm>

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

}  // namespace cfmon
