// InfluxDB line protocol, read back with a minimal 1.x reader (the rules Telegraf and
// InfluxDB 1.x apply: a backslash pairs with the next character while scanning, and only
// the element's specials are unescaped):
//   - each escaper round-trips, losing only what it documents (control characters become
//     spaces, a backslash before a special or at the end becomes '/');
//   - format() writes one line per leaf with the measurement, the target and tags (unique
//     keys, sorted), state=<n>i and every writable field with its value and type.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "../support/line_protocol_text.hpp"
#include "fuzz_support.hpp"
#include "line_protocol.hpp"

namespace {

using cfmon::fuzz::visible;
using cfmon::testing::unescape;

constexpr std::string_view kMeasurementSpecials = ", ";
constexpr std::string_view kKeySpecials = ", =";

struct Line {
  std::string measurement;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::pair<std::string, std::string>> fields;  // strings unescaped, others as written
  std::vector<bool> field_is_string;
  std::string timestamp;
};

struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string_view line) : s_(line) {}

  Line read() {
    Line l;
    if (s_.empty() || s_.front() == '#') throw Malformed("comment or empty line");
    l.measurement = unescape(token(kMeasurementSpecials), kMeasurementSpecials);
    while (peek() == ',') {
      ++pos_;
      std::string key = unescape(token("="), kKeySpecials);
      expect('=');
      l.tags.emplace_back(std::move(key), unescape(token(kMeasurementSpecials), kKeySpecials));
    }
    expect(' ');
    do {
      if (peek() == ',') ++pos_;
      std::string key = unescape(token("="), kKeySpecials);
      expect('=');
      const bool quoted = peek() == '"';
      l.fields.emplace_back(std::move(key), quoted ? string_value() : std::string(token(kMeasurementSpecials)));
      l.field_is_string.push_back(quoted);
    } while (peek() == ',');
    if (peek() == ' ') {
      ++pos_;
      l.timestamp = std::string(s_.substr(pos_));
      pos_ = s_.size();
    }
    if (pos_ != s_.size()) throw Malformed("trailing characters");
    return l;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) throw Malformed(std::string("expected '") + c + "' at " + std::to_string(pos_));
    ++pos_;
  }
  std::string_view token(std::string_view stops) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && stops.find(s_[pos_]) == std::string_view::npos) pos_ += s_[pos_] == '\\' ? 2U : 1U;
    if (pos_ > s_.size()) throw Malformed("dangling backslash");
    if (pos_ == start) throw Malformed("empty element at " + std::to_string(pos_));
    return s_.substr(start, pos_ - start);
  }
  std::string string_value() {
    ++pos_;
    std::string out;
    while (peek() != '"') {
      if (pos_ >= s_.size()) throw Malformed("unterminated string");
      char c = s_[pos_++];
      if (c == '\\' && (peek() == '\\' || peek() == '"')) c = s_[pos_++];
      out += c;
    }
    ++pos_;
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string controls_to_spaces(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

// What the measurement and key escapers are documented to lose.
std::string normalized(std::string_view s, std::string_view specials) {
  std::string clean = controls_to_spaces(s);
  for (std::size_t i = 0; i < clean.size(); ++i) {
    if (clean[i] == '\\' && (i + 1 == clean.size() || specials.find(clean[i + 1]) != std::string::npos)) {
      clean[i] = '/';
    }
  }
  return clean;
}

// An escaped key must be read back as one token that ends exactly at its end and
// unescapes to the input (less what escaping documents to lose); same for a measurement.
void check_key(std::string_view raw) {
  const std::string escaped = cfmon::telegraf::escape_key(raw);
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(escaped), visible(escaped));
  CFMON_FUZZ_CHECK(raw.empty() == escaped.empty(), visible(escaped));
  if (raw.empty()) return;
  const std::string line = "m," + escaped + "=" + escaped + " " + escaped + "=1i";
  try {
    const Line l = Reader(line).read();
    const std::string want = normalized(raw, kKeySpecials);
    CFMON_FUZZ_CHECK(l.tags.size() == 1 && l.tags[0].first == want && l.tags[0].second == want, visible(line));
    CFMON_FUZZ_CHECK(l.fields.size() == 1 && l.fields[0].first == want, visible(line));
  } catch (const Malformed& e) {
    CFMON_FUZZ_CHECK(false, visible(line) + ": " + e.what());
  }
}

void check_measurement(std::string_view raw) {
  const std::string escaped = cfmon::telegraf::escape_measurement(raw);
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(escaped), visible(escaped));
  CFMON_FUZZ_CHECK(raw.empty() == escaped.empty(), visible(escaped));
  if (raw.empty()) return;
  std::string want = normalized(raw, kMeasurementSpecials);
  if (want.front() == '#') want.front() = '_';
  try {
    const Line l = Reader(escaped + ",t=v f=1i").read();
    CFMON_FUZZ_CHECK(l.measurement == want && l.tags.size() == 1, visible(escaped));
  } catch (const Malformed& e) {
    CFMON_FUZZ_CHECK(false, visible(escaped) + ": " + e.what());
  }
}

void check_string_field(std::string_view raw) {
  const std::string line = "m f=\"" + cfmon::telegraf::escape_string_field(raw) + "\"";
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(line), visible(line));
  try {
    const Line l = Reader(line).read();
    CFMON_FUZZ_CHECK(l.fields.size() == 1 && l.fields[0].second == controls_to_spaces(raw), visible(line));
  } catch (const Malformed& e) {
    CFMON_FUZZ_CHECK(false, visible(line) + ": " + e.what());
  }
}

void collect_leaves(const cfmon::Result& r, std::vector<const cfmon::Result*>& out) {
  if (r.children.empty()) {
    out.push_back(&r);
    return;
  }
  for (const auto& c : r.children) collect_leaves(c, out);
}

// root_unknown: the leaf is a root in state UNKNOWN, whose message is a field too.
// `run`: the root when it is not the leaf; its fields (the API budget) follow the leaf's own.
void check_leaf(const cfmon::Result& leaf, const cfmon::Result* run, const Line& l, const std::string& line,
                bool root_unknown) {
  // Tags: the target first, then the Result's (its own, then the result tag); unique keys
  // as read back (InfluxDB rejects or merges duplicates).
  std::set<std::string> keys;
  for (const auto& [k, v] : l.tags) {
    CFMON_FUZZ_CHECK(!k.empty() && !v.empty(), visible(line));
    CFMON_FUZZ_CHECK(keys.insert(k).second, "duplicate tag key in " + visible(line));
  }
  if (!leaf.name.empty()) {
    bool found = false;
    for (const auto& [k, v] : l.tags) found = found || (k == "target" && v == normalized(leaf.name, kKeySpecials));
    CFMON_FUZZ_CHECK(found, visible(line));
  }
  std::set<std::string> expected_keys;
  if (!leaf.name.empty()) expected_keys.insert("target");
  for (const auto& [k, v] : cfmon::tags_of(leaf)) {
    if (!k.empty() && !v.empty()) expected_keys.insert(normalized(k, kKeySpecials));
  }
  CFMON_FUZZ_CHECK(keys == expected_keys, visible(line));
  // Fields: state first, then each field once (the first of a key as read back decides,
  // a non-finite double is not written), with its type.
  CFMON_FUZZ_CHECK(!l.fields.empty() && l.fields[0].first == "state" &&
                       l.fields[0].second == std::to_string(static_cast<int>(leaf.state)) + "i",
                   visible(line));
  std::set<std::string> field_keys{"state"};
  std::size_t next = 1;
  auto fields = cfmon::fields_of(leaf);
  if (root_unknown && !leaf.message.empty()) fields.push_back(cfmon::Field{"message", leaf.message, {}});
  if (run != nullptr) {
    for (auto& f : cfmon::fields_of(*run)) fields.push_back(std::move(f));
  }
  for (const auto& f : fields) {
    if (f.key.empty() || !field_keys.insert(normalized(f.key, kKeySpecials)).second) continue;
    const auto* d = std::get_if<double>(&f.value);
    if (d != nullptr && !std::isfinite(*d)) continue;
    CFMON_FUZZ_CHECK(next < l.fields.size(), visible(line));
    const auto& [key, value] = l.fields[next];
    const bool is_string = l.field_is_string[next];
    ++next;
    CFMON_FUZZ_CHECK(key == normalized(f.key, kKeySpecials), visible(line));
    if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
      CFMON_FUZZ_CHECK(!is_string && value == std::to_string(*i) + "i", visible(line));
    } else if (d != nullptr) {
      CFMON_FUZZ_CHECK(!is_string && value.find_first_of("eEiIn") == std::string::npos, visible(line));
      CFMON_FUZZ_CHECK(std::strtod(value.c_str(), nullptr) == *d, visible(line));
    } else if (const auto* b = std::get_if<bool>(&f.value)) {
      CFMON_FUZZ_CHECK(!is_string && value == (*b ? "true" : "false"), visible(line));
    } else {
      CFMON_FUZZ_CHECK(is_string && value == controls_to_spaces(std::get<std::string>(f.value)), visible(line));
    }
  }
  CFMON_FUZZ_CHECK(next == l.fields.size(), visible(line));
}

void check_format(const cfmon::Report& report) {
  const auto out = cfmon::telegraf::format(report);
  std::vector<const cfmon::Result*> leaves;
  collect_leaves(report.root, leaves);
  CFMON_FUZZ_CHECK(out.exit_code == 0, visible(out.text));
  std::string measurement = normalized(report.measurement, kMeasurementSpecials);
  if (!measurement.empty() && measurement.front() == '#') measurement.front() = '_';
  if (measurement.empty()) measurement = "cfmon";
  std::size_t start = 0;
  for (const cfmon::Result* leaf : leaves) {
    const auto end = out.text.find('\n', start);
    CFMON_FUZZ_CHECK(end != std::string::npos, visible(out.text));
    const std::string line = out.text.substr(start, end - start);
    start = end + 1;
    CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(line), visible(line));
    try {
      const Line l = Reader(line).read();
      CFMON_FUZZ_CHECK(l.measurement == measurement, visible(line));
      CFMON_FUZZ_CHECK(l.timestamp == (report.timestamp_ns == 0 ? "" : std::to_string(report.timestamp_ns)),
                       visible(line));
      check_leaf(*leaf, leaf == &report.root ? nullptr : &report.root, l, line,
                 leaf == &report.root && leaf->state == cfmon::State::unknown);
    } catch (const Malformed& e) {
      CFMON_FUZZ_CHECK(false, visible(line) + ": " + e.what());
    }
  }
  CFMON_FUZZ_CHECK(start == out.text.size(), visible(out.text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string a = cfmon::fuzz::text(in);
  check_key(a);
  check_measurement(a);
  check_string_field(a);
  check_format(cfmon::fuzz::report(in));
  return 0;
}
