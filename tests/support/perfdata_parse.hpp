#pragma once
// A reader for Nagios performance data as a monitoring daemon hands it back
// ("'label'=value[UOM];[warn];[crit];[min];[max]", space separated), so tests check
// what the daemon parsed rather than our own text.
#include <optional>
#include <string>
#include <vector>

namespace cfmon::testing {

struct Perfdata {
  std::string label;
  double value = 0;
  std::string uom;
  std::string warn, crit, min, max;
};

// One item; nullopt when it does not follow the grammar.
std::optional<Perfdata> parse_perfdata(const std::string& item);

// A whole perfdata string: items split on blanks and line ends outside quotes.
std::vector<std::string> split_perfdata(const std::string& text);

}  // namespace cfmon::testing
