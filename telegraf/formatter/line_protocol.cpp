#include "line_protocol.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace cfmon::telegraf {
namespace {

bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Shared by the measurement and key escapers (they differ only in what they escape).
// InfluxDB 1.x and Telegraf unescape only "\" + special; any other backslash is literal.
// A backslash right before a special or at the end would swallow our escape or the
// separator after the element, and no encoding survives every parser (Telegraf's
// serializer drops such tags), so that one backslash becomes '/'. Control characters
// become spaces: a raw newline would end the line.
std::string escape_with(std::string_view s, std::string_view specials) {
  std::string clean(s);
  std::replace_if(clean.begin(), clean.end(), is_control, ' ');
  std::string out;
  out.reserve(clean.size() + 8);
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const char c = clean[i];
    if (c == '\\') {
      const bool last = i + 1 == clean.size();
      out += (last || specials.find(clean[i + 1]) != std::string_view::npos) ? '/' : '\\';
    } else if (specials.find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// Shortest round-trip decimal, never an exponent.
std::string format_double(double v) {
  // The longest fixed form (a subnormal) has about 330 digits.
  std::array<char, 512> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  if (ec != std::errc{}) return "0";
  return std::string(buf.data(), end);
}

// Empty when the value cannot be written (InfluxDB has no NaN or infinity).
std::string field_value(const FieldValue& value) {
  struct Visitor {
    std::string operator()(std::int64_t v) const { return std::to_string(v) + "i"; }
    std::string operator()(double v) const { return std::isfinite(v) ? format_double(v) : std::string{}; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return "\"" + escape_string_field(v) + "\""; }
  };
  return std::visit(Visitor{}, value);
}

void collect_leaves(const Result& r, std::vector<const Result*>& out) {
  if (r.children.empty()) {
    out.push_back(&r);
    return;
  }
  for (const auto& c : r.children) collect_leaves(c, out);
}

// root_unknown: the check could not run (usage, configuration, API error): the point also
// carries the message, as nothing else says why.
std::string format_line(const std::string& measurement, const Result& r, std::int64_t timestamp_ns, bool root_unknown,
                        const Result* run) {
  // target first so it wins over a Result tag of the same key; empty keys and values
  // cannot be written; duplicates keep the first; then sorted by key as InfluxDB prefers.
  // Keys are compared as written: two keys differing only in a control character escape
  // to the same text, and a repeated key makes InfluxDB refuse or merge the point.
  std::vector<std::pair<std::string_view, std::string_view>> tags;
  std::unordered_set<std::string> seen;
  const auto add_tag = [&](std::string_view key, std::string_view value) {
    if (key.empty() || value.empty() || !seen.insert(escape_key(key)).second) return;
    tags.emplace_back(key, value);
  };
  add_tag("target", r.name);
  const auto own_tags = tags_of(r);
  for (const auto& [key, value] : own_tags) add_tag(key, value);
  std::stable_sort(tags.begin(), tags.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string line = measurement;
  for (const auto& [key, value] : tags) {
    line += ',';
    line += escape_key(key);
    line += '=';
    line += escape_key(value);
  }

  line += " state=" + std::to_string(static_cast<int>(r.state)) + "i";
  std::unordered_set<std::string> field_keys{"state"};  // as written, like the tag keys
  auto fields = fields_of(r);
  if (root_unknown && !r.message.empty()) fields.push_back(Field{"message", r.message, {}});
  // Run-level fields (the API budget) ride on every point; its own fields win.
  if (run != nullptr) {
    for (auto& f : fields_of(*run)) fields.push_back(std::move(f));
  }
  for (const auto& f : fields) {
    if (f.key.empty() || !field_keys.insert(escape_key(f.key)).second) continue;
    std::string value = field_value(f.value);
    if (value.empty()) continue;
    line += ',';
    line += escape_key(f.key);
    line += '=';
    line += value;
  }
  if (timestamp_ns != 0) line += " " + std::to_string(timestamp_ns);
  line += '\n';
  return line;
}

}  // namespace

std::string escape_measurement(std::string_view s) {
  std::string out = escape_with(s, ", ");
  // A line starting with '#' is a comment.
  if (!out.empty() && out.front() == '#') out.front() = '_';
  return out;
}

std::string escape_key(std::string_view s) {
  return escape_with(s, ", =");
}

std::string escape_string_field(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (is_control(c)) {
      out += ' ';  // Telegraf rejects \r and \f inside strings; a newline would read as a new line
    } else {
      out += c;
    }
  }
  return out;
}

FormattedOutput format(const Report& report) {
  try {
    std::string measurement = escape_measurement(report.measurement);
    if (measurement.empty()) measurement = "cfmon";  // a line needs a measurement
    std::vector<const Result*> leaves;
    collect_leaves(report.root, leaves);
    std::string text;
    for (const Result* leaf : leaves) {
      const bool root_unknown = leaf == &report.root && leaf->state == State::unknown;
      const Result* run = leaf == &report.root ? nullptr : &report.root;
      text += format_line(measurement, *leaf, report.timestamp_ns, root_unknown, run);
    }
    return {std::move(text), leaves.empty() ? 3 : 0};
  } catch (...) {
    return {{}, 3};  // Only allocation can fail; an empty string needs none.
  }
}

}  // namespace cfmon::telegraf
