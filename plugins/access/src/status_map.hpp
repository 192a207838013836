#pragma once
// --status-map "404=ok,5xx=critical,200-299=ok": HTTP status -> state overrides.
//
// Grammar: ITEM[,ITEM...], blanks (space, tab) allowed around items, keys,
// '=' and states. An ITEM is KEY=STATE where KEY is
//   CODE       an exact status, 100-599            e.g. 404
//   LOW-HIGH   an inclusive range within 100-599    e.g. 200-299 (LOW <= HIGH)
//   Nxx        a status class, N = 1..5             e.g. 5xx, 5XX
// and STATE is ok|warning|critical|unknown (case-insensitive; warn, crit and
// 0-3 are accepted as in parse_state). Empty text means "no overrides"; an
// empty item ("a,,b", a trailing ',') is an error.
// Precedence: exact code > range > class whatever the order written; among
// entries of the same kind the later one wins.
#include <optional>
#include <string_view>
#include <vector>

#include "cfmon/expected.hpp"
#include "cfmon/state.hpp"

namespace cfmon {

struct StatusMapEntry {
  enum class Kind { status_class = 0, range = 1, exact = 2 };  // ascending precedence
  int low = 0;                                                 // inclusive
  int high = 0;                                                // inclusive
  State state = State::unknown;
  Kind kind = Kind::exact;
};

class StatusMap {
 public:
  // Errors are one line and quote the offending item (items are never secret).
  static Expected<StatusMap> parse(std::string_view text);

  // The state the map assigns to http_status, or nullopt when no entry covers it.
  [[nodiscard]] std::optional<State> lookup(int http_status) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  // In the order written, for --verbose output and documentation.
  [[nodiscard]] const std::vector<StatusMapEntry>& entries() const noexcept { return entries_; }

 private:
  std::vector<StatusMapEntry> entries_;
};

}  // namespace cfmon
