#pragma once
// JSON from the network (or from a cache file that once came from it), parsed with a
// bound on nesting. nlohmann's parser itself is iterative, but copying, comparing or
// dumping a value recurses once per level: a 300 000-deep array (600 KB) overflows the
// stack there. Every API answer goes through here, so what reaches the rest of the
// code is at most kMaxJsonDepth deep. Internal: not installed.
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cfmon::detail {

// Deeper than any answer of the v4 API or the GraphQL datasets we read (about 8).
inline constexpr std::size_t kMaxJsonDepth = 64;

enum class JsonParse { ok, invalid, too_deep };

// Parses `text`; on anything but ok the returned value is discarded. Arrays and
// objects nested deeper than `max_depth` make the whole text too_deep (the parse
// still reads to the end, iteratively, but keeps nothing below the limit).
inline nlohmann::json parse_json_bounded(std::string_view text, JsonParse* outcome,
                                         std::size_t max_depth = kMaxJsonDepth) {
  bool too_deep = false;
  const nlohmann::json::parser_callback_t keep = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if (event != nlohmann::json::parse_event_t::object_start && event != nlohmann::json::parse_event_t::array_start) {
      return !too_deep;
    }
    if (static_cast<std::size_t>(depth) >= max_depth) too_deep = true;
    return !too_deep;
  };
  nlohmann::json json = nlohmann::json::parse(text.begin(), text.end(), keep, false);
  if (too_deep) {
    *outcome = JsonParse::too_deep;
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  *outcome = json.is_discarded() ? JsonParse::invalid : JsonParse::ok;
  return json;
}

}  // namespace cfmon::detail
