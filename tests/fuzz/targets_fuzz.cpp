// Targets files and URLs on arbitrary text: never crashes; errors are one printable line
// naming a line; accepted targets are valid (make_target agrees) with unique names; the
// default name of any accepted URL is itself a valid name.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "cfmon/targets.hpp"
#include "fuzz_support.hpp"

namespace {

using cfmon::fuzz::visible;

bool is_name(std::string_view name) {
  const auto start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (name.empty() || name.size() > 200 || !start(name.front())) return false;
  for (const char c : name) {
    if (!start(c) && c != '.' && c != '-' && c != ':' && c != '/') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto targets = cfmon::parse_targets(text);
  if (!targets) {
    cfmon::fuzz::check_error_message(targets.error().message, "line ");
  } else {
    std::set<std::string> names;
    for (const auto& t : *targets) {
      CFMON_FUZZ_CHECK(is_name(t.name), visible(t.name));
      CFMON_FUZZ_CHECK(names.insert(t.name).second, visible(t.name));
      CFMON_FUZZ_CHECK(cfmon::make_target(t.name, t.url).has_value(), visible(t.url));
      CFMON_FUZZ_CHECK(text.find(t.url) != std::string_view::npos, visible(t.url));
    }
  }

  // The input as one URL: when it is accepted, its default name must be accepted too
  // (-u URL never fails on the name it did not choose).
  const std::string url(text);
  const auto named = cfmon::make_target("n", url);
  const std::string default_name = cfmon::default_target_name(url);
  CFMON_FUZZ_CHECK(default_name.size() <= 200, visible(url));
  if (named) {
    CFMON_FUZZ_CHECK(is_name(default_name), visible(url) + " -> " + visible(default_name));
    CFMON_FUZZ_CHECK(cfmon::make_target(default_name, url).has_value(), visible(url));
    const auto alone = cfmon::parse_targets(url + "\n");
    CFMON_FUZZ_CHECK(alone && alone->size() == 1 && alone->front().name == default_name, visible(url));
  } else {
    CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(named.error().message), visible(named.error().message));
  }
  return 0;
}
