#pragma once
// --status-map "404=ok,5xx=critical,200-299=ok": HTTP status -> state overrides.
#include <optional>
#include <string_view>
#include <vector>

#include "cfmon/expected.hpp"
#include "cfmon/state.hpp"

namespace cfmon {

struct StatusMapEntry {
  int low = 0;    // inclusive
  int high = 0;   // inclusive
  State state = State::unknown;
};

class StatusMap {
 public:
  // Entries: CODE=STATE, NXX=STATE (e.g. 5xx), LOW-HIGH=STATE; comma separated;
  // states ok|warning|critical|unknown. A later, more specific entry wins over a
  // class entry: exact codes beat ranges beat NXX classes regardless of order.
  static Expected<StatusMap> parse(std::string_view text);

  [[nodiscard]] std::optional<State> lookup(int http_status) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<StatusMapEntry> entries_;
};

}  // namespace cfmon
