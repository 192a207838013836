#include "cfmon/findings.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cfmon {

bool fold_findings(Result& r, std::vector<Finding> findings) {
  if (findings.empty()) return false;
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return severity(a.state) > severity(b.state); });
  r.state = findings.front().state;
  r.reason = findings.front().reason;
  r.message.clear();
  for (std::size_t i = 0; i < findings.size(); ++i) r.message += (i != 0 ? "; " : "") + findings[i].text;
  return true;
}

std::string summary_line(const Result& root, std::string_view one, std::string_view many) {
  const std::size_t total = root.children.size();
  std::string text = std::to_string(total) + " " + std::string(total == 1 ? one : many) + ":";
  bool first = true;
  for (const State s : std::array{State::critical, State::warning, State::unknown, State::ok}) {
    const auto n = std::count_if(root.children.begin(), root.children.end(),
                                 [s](const Result& child) { return child.state == s; });
    if (n == 0) continue;
    std::string name(state_name(s));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    text += (first ? " " : ", ") + std::to_string(n) + " " + name;
    first = false;
  }
  return text;
}

void fold_children(Result& root, std::string_view one, std::string_view many, SingleChild single) {
  root.aggregate_from_children();
  if (root.children.size() == 1) {
    root.reason = root.children.front().reason;
    root.message = single == SingleChild::speaks ? root.children.front().message : summary_line(root, one, many);
  } else {
    root.reason = "summary";
    root.message = summary_line(root, one, many);
  }
}

}  // namespace cfmon
