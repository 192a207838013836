#include "status_map.hpp"

#include <charconv>
#include <string>
#include <system_error>

#include "cfmon/text_util.hpp"

namespace cfmon {

namespace {

constexpr int min_status = 100;
constexpr int max_status = 599;

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A status code 100-599; the message names what is wrong with `s`.
Expected<int> parse_code(std::string_view s) {
  const std::string quoted = "'" + detail::printable(s) + "'";
  if (!all_digits(s)) return make_error(quoted + " is not a status code");
  // Exactly three digits: "0404" is a typo, not 404.
  if (s.size() != 3) return make_error("status code " + quoted + " is outside 100-599");
  int code = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
  if (ec != std::errc{} || ptr != s.data() + s.size() || code < min_status || code > max_status) {
    return make_error("status code " + quoted + " is outside 100-599");
  }
  return code;
}

Expected<StatusMapEntry> parse_key(std::string_view key) {
  using Kind = StatusMapEntry::Kind;
  StatusMapEntry entry;
  if (key.empty()) return make_error("missing status code before '='");

  if (key.size() == 3 && (key[1] == 'x' || key[1] == 'X') && (key[2] == 'x' || key[2] == 'X')) {
    if (key[0] < '1' || key[0] > '5') {
      return make_error("'" + detail::printable(key) + "' is not a status class (1xx to 5xx)");
    }
    entry.kind = Kind::status_class;
    entry.low = (key[0] - '0') * 100;
    entry.high = entry.low + 99;
    return entry;
  }

  if (const auto dash = key.find('-'); dash != std::string_view::npos) {
    auto low = parse_code(detail::trim_blanks(key.substr(0, dash)));
    if (!low) return low.error();
    auto high = parse_code(detail::trim_blanks(key.substr(dash + 1)));
    if (!high) return high.error();
    if (*low > *high) {
      return make_error("range '" + detail::printable(key) + "' has LOW greater than HIGH");
    }
    entry.kind = Kind::range;
    entry.low = *low;
    entry.high = *high;
    return entry;
  }

  if (!all_digits(key)) {
    return make_error("'" + detail::printable(key) + "' is not a status code (404), class (5xx) or range (200-299)");
  }
  auto code = parse_code(key);
  if (!code) return code.error();
  entry.kind = Kind::exact;
  entry.low = entry.high = *code;
  return entry;
}

}  // namespace

Expected<StatusMap> StatusMap::parse(std::string_view text) {
  StatusMap map;
  if (detail::trim_blanks(text).empty()) return map;

  std::size_t index = 0;
  while (true) {
    ++index;
    const std::size_t comma = text.find(',');
    const std::string_view item = detail::trim_blanks(text.substr(0, comma));
    const auto fail = [&](const std::string& why) {
      return make_error("invalid status map item '" + detail::printable(item) + "': " + why);
    };
    if (item.empty()) {
      return make_error("invalid status map: item " + std::to_string(index) + " is empty (stray ',')");
    }
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return fail("expected CODE=STATE, as in 404=ok");

    auto entry = parse_key(detail::trim_blanks(item.substr(0, eq)));
    if (!entry) return fail(entry.error().message);
    const std::string_view state_text = detail::trim_blanks(item.substr(eq + 1));
    const auto state = parse_state(state_text);
    if (!state) {
      return fail("'" + detail::printable(state_text) + "' is not a state (ok, warning, critical, unknown)");
    }
    entry->state = *state;
    map.entries_.push_back(*entry);

    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return map;
}

std::optional<State> StatusMap::lookup(int http_status) const noexcept {
  const StatusMapEntry* best = nullptr;
  for (const StatusMapEntry& e : entries_) {
    if (http_status < e.low || http_status > e.high) continue;
    // '>=' so that among equally specific entries the later one wins.
    if (best == nullptr || e.kind >= best->kind) best = &e;
  }
  if (best == nullptr) return std::nullopt;
  return best->state;
}

}  // namespace cfmon
