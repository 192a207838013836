// --status-map on arbitrary text: never crashes; errors are one printable line; accepted
// entries are well formed, and lookup() matches a reference of the documented precedence
// (exact > range > class, later wins among equals) for every status.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "status_map.hpp"

namespace {

using cfmon::StatusMapEntry;
using cfmon::fuzz::visible;

std::optional<cfmon::State> reference_lookup(const cfmon::StatusMap& map, int status) {
  std::optional<cfmon::State> found;
  int best_kind = -1;
  for (const auto& e : map.entries()) {
    if (status < e.low || status > e.high) continue;
    const int kind = static_cast<int>(e.kind);
    if (kind >= best_kind) {
      best_kind = kind;
      found = e.state;
    }
  }
  return found;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto map = cfmon::StatusMap::parse(text);
  if (!map) {
    cfmon::fuzz::check_error_message(map.error().message, "invalid status map");
    return 0;
  }
  CFMON_FUZZ_CHECK(map->empty() == map->entries().empty(), visible(text));
  for (const auto& e : map->entries()) {
    CFMON_FUZZ_CHECK(e.low >= 100 && e.high <= 599 && e.low <= e.high, visible(text));
    const int s = static_cast<int>(e.state);
    CFMON_FUZZ_CHECK(s >= 0 && s <= 3, visible(text));
    switch (e.kind) {
      case StatusMapEntry::Kind::exact:
        CFMON_FUZZ_CHECK(e.low == e.high, visible(text));
        break;
      case StatusMapEntry::Kind::status_class:
        CFMON_FUZZ_CHECK(e.low % 100 == 0 && e.high == e.low + 99, visible(text));
        break;
      case StatusMapEntry::Kind::range:
        break;
    }
  }
  // One entry per item: the number of commas decides how many entries there are.
  std::size_t commas = 0;
  for (const char c : text) commas += c == ',' ? 1U : 0U;
  CFMON_FUZZ_CHECK(map->empty() || map->entries().size() == commas + 1, visible(text));
  for (int status = 0; status <= 700; ++status) {
    CFMON_FUZZ_CHECK(map->lookup(status) == reference_lookup(*map, status),
                     visible(text) + " at " + std::to_string(status));
  }
  return 0;
}
