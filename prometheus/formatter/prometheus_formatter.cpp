#include "prometheus_formatter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "cfmon/text_util.hpp"

namespace cfmon::prometheus {
namespace {

constexpr double kSecondsPerDay = 86400.0;
constexpr std::string_view kUp = "cfmon_up";
constexpr std::string_view kState = "cfmon_state";

// Invalid UTF-8 sequences become U+FFFD, one per offending byte.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (auto bad = detail::find_invalid_utf8(s); bad != std::string_view::npos; bad = detail::find_invalid_utf8(s)) {
    out.append(s.substr(0, bad)).append("\xEF\xBF\xBD");
    s.remove_prefix(bad + 1);
  }
  out.append(s);
  return out;
}

std::string escape(std::string_view s, bool quotes) {
  std::string out;
  for (const char c : valid_utf8(s)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Shortest round-trip decimal (Go's ParseFloat reads exponents too).
std::string number_text(double v) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc{}) return {};
  return std::string(buf.data(), end);
}

// The sample value of a measurement; nullopt when it has none Prometheus can show.
std::optional<std::string> value_text(const FieldValue& value, Unit unit) {
  const double scale = unit == Unit::days ? kSecondsPerDay : 1.0;
  if (const auto* b = std::get_if<bool>(&value)) return std::string(*b ? "1" : "0");
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    if (unit != Unit::days) return std::to_string(*i);
    return number_text(static_cast<double>(*i) * scale);
  }
  if (const auto* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d * scale)) return std::nullopt;
    return number_text(*d * scale);
  }
  return std::nullopt;  // a string
}

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

std::string label_text(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (value.empty()) continue;
    out += out.empty() ? "{" : ",";
    out.append(key).append("=\"").append(escape_label_value(value)).append("\"");
  }
  if (!out.empty()) out += '}';
  return out;
}

// One metric family: its header and samples, written together.
struct Family {
  std::string name;
  std::string help;
  std::vector<std::string> samples;  // "{labels} value"
  std::set<std::string> seen;        // label texts already written

  void add(const std::string& labels, const std::string& value) {
    if (seen.insert(labels).second) samples.push_back(labels + " " + value);
  }
  void write(std::string& out) const {
    if (samples.empty()) return;
    out.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
    out.append("# TYPE ").append(name).append(" gauge\n");
    for (const auto& sample : samples) out.append(name).append(sample).append("\n");
  }
};

// run_level: a metric of the whole run (the API budget), written once without a target.
std::string help_of(const Metric& metric, bool run_level) {
  std::string help = "cfmon: the " + (metric.field.empty() ? metric.prometheus : metric.field) +
                     (run_level ? " of the check's run" : " of each target");
  switch (metric.unit) {
    case Unit::seconds:
      return help + ", in seconds";
    case Unit::days:
      return help + ", in seconds (measured in days)";
    case Unit::bytes:
      return help + ", in bytes";
    default:
      return help;
  }
}

void collect_leaves(const Result& r, std::vector<const Result*>& out) {
  if (r.children.empty()) {
    out.push_back(&r);
    return;
  }
  for (const auto& c : r.children) collect_leaves(c, out);
}

}  // namespace

std::string escape_label_value(std::string_view s) {
  return escape(s, true);
}

std::string escape_help(std::string_view s) {
  return escape(s, false);
}

std::string metric_name(const Metric& metric) {
  std::string base = metric.prometheus;
  if (base.empty() && !metric.field.empty()) {
    base = metric.field;
    std::string_view suffix;
    if (metric.unit == Unit::seconds || metric.unit == Unit::days) suffix = "_seconds";
    if (metric.unit == Unit::bytes) suffix = "_bytes";
    if (metric.unit == Unit::days && ends_with(base, "_days")) base.resize(base.size() - 5);
    if (!suffix.empty() && !ends_with(base, suffix)) base += suffix;
  }
  if (base.empty()) return {};
  for (auto& c : base) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) != 0 && u < 0x80) && c != '_') c = '_';
  }
  return "cfmon_" + base;
}

FormattedOutput format(const Report& report) {
  const std::string check = valid_utf8(report.measurement);
  std::vector<const Result*> leaves;
  collect_leaves(report.root, leaves);

  const bool ran = !(report.root.children.empty() && report.root.state == State::unknown);
  Family up{std::string(kUp),
            "cfmon: 1 when the check ran, 0 when it could not (usage, configuration, credentials or API error; "
            "cfmon_state says why)",
            {},
            {}};
  up.add(label_text({{"check", check}}), ran ? "1" : "0");

  Family state{std::string(kState),
               "cfmon: the state of each target as Nagios gives it (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), with "
               "the check's reason code",
               {},
               {}};
  std::vector<Family> families;
  const auto add_metrics = [&](const Result& r, const std::string& labels, bool run_level) {
    for (const auto& m : r.metrics) {
      const std::string name = metric_name(m.metric);
      if (name.empty() || name == kUp || name == kState) continue;
      const auto value = value_of(r, m);
      if (!value) continue;
      const auto text = value_text(*value, m.metric.unit);
      if (!text) continue;
      auto family = std::find_if(families.begin(), families.end(), [&](const Family& f) { return f.name == name; });
      if (family == families.end()) {
        families.push_back(Family{name, help_of(m.metric, run_level), {}, {}});
        family = std::prev(families.end());
      }
      family->add(labels, *text);
    }
  };
  for (const Result* leaf : leaves) {
    state.add(label_text({{"check", check}, {"target", leaf->name}, {"reason", leaf->reason}}),
              std::to_string(static_cast<int>(leaf->state)));
    add_metrics(*leaf, label_text({{"check", check}, {"target", leaf->name}}), false);
  }
  // Run-level metrics of a root with children (the API budget): once, without a target.
  if (!report.root.children.empty()) add_metrics(report.root, label_text({{"check", check}}), true);

  std::string out;
  up.write(out);
  state.write(out);
  for (const auto& family : families) family.write(out);
  return {std::move(out), 0};
}

}  // namespace cfmon::prometheus
