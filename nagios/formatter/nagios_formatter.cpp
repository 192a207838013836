#include "nagios_formatter.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_set>
#include <vector>

#include "cfmon/perfdata.hpp"

namespace cfmon::nagios {
namespace {

constexpr std::string_view kEllipsis = "\u2026";  // "…", 3 bytes in UTF-8

int exit_code_for(State s) noexcept {
  const int code = static_cast<int>(s);
  return code >= 0 && code <= 3 ? code : 3;
}

// "name: message", or whichever of the two is present.
std::string describe(const Result& r) {
  if (r.name.empty()) return sanitize_text(r.message);
  if (r.message.empty()) return sanitize_text(r.name);
  return sanitize_text(r.name) + ": " + sanitize_text(r.message);
}

// Used when a multi-target check left root.message empty: "3 targets: 1 critical, 2 ok".
std::string summarize(const std::vector<Result>& children) {
  std::array<int, 4> count{};
  for (const auto& c : children) ++count[static_cast<std::size_t>(exit_code_for(c.state))];
  std::string out = std::to_string(children.size()) + " targets:";
  const char* sep = " ";
  for (State s : {State::critical, State::warning, State::unknown, State::ok}) {
    const int n = count[static_cast<std::size_t>(s)];
    if (n == 0) continue;
    std::string name(state_name(s));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    out += sep + std::to_string(n) + " " + name;
    sep = ", ";
  }
  return out;
}

// Cuts at a UTF-8 boundary and marks the cut, so the result is at most max_bytes.
std::string truncate_utf8(std::string s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  if (max_bytes < kEllipsis.size()) return {};
  std::size_t cut = max_bytes - kEllipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
  s.resize(cut);
  s += kEllipsis;
  return s;
}

std::string more_targets_line(std::size_t n) {
  return std::string(kEllipsis) + " " + std::to_string(n) + (n == 1 ? " more target" : " more targets") + " not shown";
}

// Perfdata labels must be unique per output or graphers merge series.
class PerfdataCollector {
 public:
  void add(const PerfDatum& datum, std::string_view prefix) {
    PerfDatum copy = datum;
    std::string base = sanitize_perf_label(std::string(prefix) + datum.label);
    std::string label = base;
    for (int n = 2; used_.count(label) != 0; ++n) label = base + "_" + std::to_string(n);
    used_.insert(label);
    copy.label = std::move(label);
    items_.push_back(format_perfdatum(copy));
  }
  std::vector<std::string>& items() { return items_; }

 private:
  std::unordered_set<std::string> used_;
  std::vector<std::string> items_;
};

struct Parts {
  std::string head;                // "LABEL STATE - text"
  std::vector<std::string> perf;   // whole perfdata items
  std::vector<std::string> lines;  // long output, worst first
  std::size_t problem_lines = 0;   // leading lines whose target is not OK
};

Parts build_parts(const Report& report) {
  const Result& root = report.root;
  Parts parts;
  PerfdataCollector perf;

  std::string text;
  if (root.children.size() == 1) {
    const Result& only = root.children.front();
    text = describe(only);
    for (const auto& note : root.notes) text += "; " + sanitize_text(note);
    for (const auto& d : perfdata_of(only)) perf.add(d, "");
  } else if (root.children.empty()) {
    text = sanitize_text(root.message);
  } else {
    text = root.message.empty() ? summarize(root.children) : sanitize_text(root.message);
    std::vector<const Result*> order;
    order.reserve(root.children.size());
    for (const auto& c : root.children) order.push_back(&c);
    std::stable_sort(order.begin(), order.end(),
                     [](const Result* a, const Result* b) { return severity(a->state) > severity(b->state); });
    for (const Result* c : order) {
      parts.lines.push_back("[" + std::string(state_name(c->state)) + "] " + describe(*c));
      if (c->state != State::ok) ++parts.problem_lines;
    }
    // Perfdata keeps input order so graphs do not reshuffle when states change.
    for (const auto& c : root.children) {
      const std::string prefix = c.name.empty() ? std::string{} : c.name + "_";
      for (const auto& d : perfdata_of(c)) perf.add(d, prefix);
    }
  }

  // The root's own (run-level: the API budget) after its children's, unprefixed.
  for (const auto& d : perfdata_of(root)) perf.add(d, "");

  // Trimmed so that a sanitised trailing newline cannot leave "LABEL  STATE".
  std::string label = sanitize_text(report.label);
  const auto first = label.find_first_not_of(' ');
  label = first == std::string::npos ? std::string{} : label.substr(first, label.find_last_not_of(' ') - first + 1);
  if (!label.empty()) parts.head = label + " ";
  parts.head += state_name(root.state);
  if (!text.empty()) parts.head += " - " + text;
  parts.perf = std::move(perf.items());
  return parts;
}

// Fits the output into kMaxOutputBytes. Priority: the status text, then long-output lines of
// targets that are not OK (an operator must see which app failed), then perfdata (dropped as
// whole items from the end), then the OK lines (dropped from the end, counted in a final line).
std::string assemble(Parts parts) {
  std::vector<std::size_t> perf_bytes{0};  // prefix sums: bytes of the first k items joined
  for (const auto& p : parts.perf) perf_bytes.push_back(perf_bytes.back() + p.size() + 1);
  std::vector<std::size_t> line_bytes{0};  // prefix sums incl. newlines
  for (const auto& l : parts.lines) line_bytes.push_back(line_bytes.back() + l.size() + 1);

  std::size_t k = parts.perf.size();
  std::size_t m = parts.lines.size();
  const auto more_bytes = [&](std::size_t kept) {
    return kept < parts.lines.size() ? more_targets_line(parts.lines.size() - kept).size() + 1 : 0;
  };
  // " | " + items separated by one space == 2 + sum(item + 1).
  const auto first_bytes = [&](std::size_t items) {
    return parts.head.size() + (items > 0 ? 2 + perf_bytes[items] : 0) + 1;
  };
  const auto total = [&] { return first_bytes(k) + line_bytes[m] + more_bytes(m); };

  while (total() > kMaxOutputBytes) {
    // Problem lines go last, then perfdata items, then the remaining lines.
    if (m > parts.problem_lines || (k == 0 && m > 0)) {
      --m;
    } else if (k > 0) {
      --k;
    } else {
      break;
    }
  }
  if (total() > kMaxOutputBytes) {
    parts.head = truncate_utf8(std::move(parts.head), kMaxOutputBytes - 1 - more_bytes(m));
  }

  std::string out = parts.head;
  for (std::size_t i = 0; i < k; ++i) {
    out += i == 0 ? " | " : " ";
    out += parts.perf[i];
  }
  out += '\n';
  for (std::size_t i = 0; i < m; ++i) {
    out += parts.lines[i];
    out += '\n';
  }
  if (m < parts.lines.size()) {
    out += more_targets_line(parts.lines.size() - m);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string sanitize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '|') {
      out += '/';
    } else if (u < 0x20 || u == 0x7f) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

FormattedOutput format(const Report& report) {
  try {
    return {assemble(build_parts(report)), exit_code_for(report.root.state)};
  } catch (...) {
    // Only allocation can fail here; a short literal needs no allocation (SSO).
    return {"UNKNOWN\n", 3};
  }
}

}  // namespace cfmon::nagios
