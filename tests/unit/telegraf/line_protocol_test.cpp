#include "line_protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../support/golden.hpp"
#include "../support/sample_reports.hpp"
#include "support/examples.hpp"
#include "support/line_protocol_text.hpp"

namespace cfmon::telegraf {
namespace {

using namespace cfmon::testing;

// A minimal InfluxDB 1.x line-protocol reader: a backslash always pairs with the next
// character while scanning; unescaping then only touches the specials of the element.
struct Line {
  std::string measurement;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::pair<std::string, std::string>> fields;  // value as written (strings unescaped, unquoted)
  std::string timestamp;
};

class Reader {
 public:
  explicit Reader(std::string_view line) : s_(line) {}

  Line read() {
    Line l;
    if (s_.empty() || s_.front() == '#') throw std::runtime_error("comment or empty");
    l.measurement = unescape(token(", "), ", ");
    while (peek() == ',') {
      ++pos_;
      std::string key = unescape(token("="), ", =");
      expect('=');
      l.tags.emplace_back(std::move(key), unescape(token(", "), ", ="));
    }
    expect(' ');
    do {
      if (peek() == ',') ++pos_;
      std::string key = unescape(token("="), ", =");
      expect('=');
      l.fields.emplace_back(std::move(key), field_value());
    } while (peek() == ',');
    if (peek() == ' ') {
      ++pos_;
      l.timestamp = std::string(s_.substr(pos_));
      pos_ = s_.size();
    }
    if (pos_ != s_.size()) throw std::runtime_error("trailing characters at " + std::to_string(pos_));
    for (const auto& [k, v] : l.tags) {
      if (k.empty() || v.empty()) throw std::runtime_error("empty tag key or value");
    }
    return l;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected '") + c + "' at " + std::to_string(pos_));
    ++pos_;
  }
  // Up to an unescaped stop character.
  std::string_view token(std::string_view stops) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && stops.find(s_[pos_]) == std::string_view::npos) {
      if (s_[pos_] == '\n') throw std::runtime_error("raw newline");
      pos_ += s_[pos_] == '\\' ? 2U : 1U;
    }
    if (pos_ > s_.size()) throw std::runtime_error("dangling backslash");
    if (pos_ == start) throw std::runtime_error("empty element at " + std::to_string(pos_));
    return s_.substr(start, pos_ - start);
  }
  std::string field_value() {
    if (peek() != '"') return std::string(token(", "));
    ++pos_;
    std::string out;
    while (peek() != '"') {
      if (pos_ >= s_.size()) throw std::runtime_error("unterminated string");
      char c = s_[pos_++];
      if (c == '\n' || c == '\r') throw std::runtime_error("raw newline in string");
      if (c == '\\' && (peek() == '\\' || peek() == '"')) c = s_[pos_++];
      out += c;
    }
    ++pos_;
    return out;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

std::vector<Line> read_all(const std::string& text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "every line ends with a newline";
    lines.push_back(Reader(std::string_view(text).substr(start, end - start)).read());
    start = end + 1;
  }
  return lines;
}

// What escaping is documented to lose: control characters become spaces, a backslash
// before a special (or at the end) becomes '/'.
std::string normalized(std::string_view s, std::string_view specials) {
  std::string clean;
  for (char c : s) clean += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    if (clean[i] == '\\' && (i + 1 == clean.size() || specials.find(clean[i + 1]) != std::string::npos)) {
      clean[i] = '/';
    }
  }
  return clean;
}

void expect_case(const std::string& name, const Report& report) {
  const auto out = format(report);
  EXPECT_EQ(out.exit_code, 0);
  std::vector<Line> lines;
  ASSERT_NO_THROW(lines = read_all(out.text)) << out.text;
  EXPECT_EQ(lines.size(), report.root.children.empty() ? 1U : report.root.children.size());
  expect_golden("telegraf", name, out.text);
}

// Each shared sample report against its golden file.
class LineProtocolGolden : public ::testing::TestWithParam<SampleReport> {};

TEST_P(LineProtocolGolden, MatchesTheGoldenFile) {
  const SampleReport& sample = GetParam();
  expect_case(sample.name, sample.make());
}

INSTANTIATE_TEST_SUITE_P(Samples, LineProtocolGolden, ::testing::ValuesIn(sample_reports()), sample_name);

TEST(LineProtocol, LineShape) {
  const auto lines = read_all(format(single_ok_report()).text);
  ASSERT_EQ(lines.size(), 1U);
  const Line& l = lines[0];
  EXPECT_EQ(l.measurement, "cf_access");
  EXPECT_EQ(l.tags,
            (std::vector<std::pair<std::string, std::string>>{
                {"result", "token_accepted"}, {"server", "https://app1.example.com/health"}, {"target", "app1"}}));
  EXPECT_EQ(l.fields, (std::vector<std::pair<std::string, std::string>>{{"state", "0i"},
                                                                        {"response_time", "0.123456789"},
                                                                        {"http_response_code", "200i"},
                                                                        {"result_code", "0i"},
                                                                        {"token_accepted", "true"}}));
  EXPECT_EQ(l.timestamp, "1700000000000000000");
}

TEST(LineProtocol, NastyValuesRoundTrip) {
  const Report report = nasty_report();
  const auto lines = read_all(format(report).text);
  ASSERT_EQ(lines.size(), report.root.children.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Result& r = report.root.children[i];
    const auto& tags = lines[i].tags;
    const auto target = std::find_if(tags.begin(), tags.end(), [](const auto& t) { return t.first == "target"; });
    ASSERT_NE(target, tags.end());
    EXPECT_EQ(target->second, normalized(r.name, ", =")) << i;
  }
  const auto& c0 = lines[0].tags;
  EXPECT_NE(std::find(c0.begin(), c0.end(), std::pair<std::string, std::string>{"path", "/a b,c=d"}), c0.end());
  for (const auto& [k, v] : c0) EXPECT_NE(k, "empty");
  const auto& f1 = lines[1].fields;
  EXPECT_NE(
      std::find(f1.begin(), f1.end(), std::pair<std::string, std::string>{"body", "<h1>\"Bad\"\\ Gateway</h1> line 2"}),
      f1.end());
  EXPECT_NE(std::find(f1.begin(), f1.end(), std::pair<std::string, std::string>{"field with space,comma=eq", "-7i"}),
            f1.end());
}

TEST(LineProtocol, NonFiniteFieldsAndDuplicateKeysAreSkipped) {
  Report report = u_values_report();
  report.root.add(field_metric("state"), std::int64_t{9});
  report.root.add(field_metric("timeout"), false);
  report.root.tags = {{"target", "other"}, {"a", "1"}, {"a", "2"}, {"result", "other"}};
  EXPECT_EQ(format(report).text, "cf_access,a=1,result=timeout,target=app1 state=2i,timeout=true\n");
}

// Found by fuzz_line_protocol: keys that differ only in a control character escape to the
// same text, and InfluxDB refuses or merges a point with a repeated key.
TEST(LineProtocol, KeysThatEscapeAlikeAreWrittenOnce) {
  Report report = unknown_root_report();
  report.timestamp_ns = 0;
  report.root.message = "m";
  report.root.tags = {{"a\tb", "1"}, {"a\nb", "2"}};
  report.root.add(field_metric("x\ty"), std::int64_t{1});
  report.root.add(field_metric("x\ny"), std::int64_t{2});
  report.root.add(field_metric("state\n"), true);
  EXPECT_EQ(format(report).text,
            "cf_access,a\\ b=1,result=config_error state=3i,x\\ y=1i,state\\ =true,message=\"m\"\n");
}

TEST(LineProtocol, DoublesAreShortestWithoutExponent) {
  Report report = unknown_root_report();
  report.timestamp_ns = 0;
  report.root.reason.clear();
  report.root.message.clear();
  report.root.add(field_metric("a"), 1e-7);
  report.root.add(field_metric("b"), 1e21);
  report.root.add(field_metric("c"), 200.0);
  report.root.add(field_metric("d"), 0.1);
  report.root.add(field_metric("e"), -2.5);
  EXPECT_EQ(format(report).text, "cf_access state=3i,a=0.0000001,b=1000000000000000000000,c=200,d=0.1,e=-2.5\n");
}

TEST(LineProtocol, EmptyMeasurementFallsBack) {
  Report report = unknown_root_report();
  report.measurement = "";
  report.timestamp_ns = 0;
  EXPECT_EQ(format(report).text,
            "cfmon,result=config_error state=3i,message=\"missing CF_ACCESS_CLIENT_ID (set it in the environment or "
            "--env-file)\"\n");
}

// A check that could not run says why in the point itself: its reason as the result tag like
// every other point, its message as a field (a field of the check's own wins).
TEST(LineProtocol, UnknownRootCarriesReasonAndMessage) {
  Report report = unknown_root_report();
  report.timestamp_ns = 0;
  report.root.message = "bad \"file\"\nline 2";
  EXPECT_EQ(format(report).text, "cf_access,result=config_error state=3i,message=\"bad \\\"file\\\" line 2\"\n");
  report.root.add(field_metric("message"), std::string("own"));
  EXPECT_EQ(format(report).text, "cf_access,result=config_error state=3i,message=\"own\"\n");
  // A root with targets, or one that ran (not UNKNOWN), has no message field.
  report.root.state = State::critical;
  EXPECT_EQ(format(report).text, "cf_access,result=config_error state=2i,message=\"own\"\n");
  report.root.metrics.clear();
  EXPECT_EQ(format(report).text, "cf_access,result=config_error state=2i\n");
  EXPECT_EQ(format(mixed_report()).text.find("message="), std::string::npos);
}

TEST(LineProtocolEscape, Examples) {
  EXPECT_EQ(escape_measurement("cpu load,x=y"), "cpu\\ load\\,x=y");
  EXPECT_EQ(escape_measurement("#comment"), "_comment");
  cfmon::testing::expect_examples([](const std::string& s) { return escape_key(s); }, {{"a b,c=d", "a\\ b\\,c\\=d"},
                                                                                       {"line\nbreak", "line\\ break"},
                                                                                       {"C:\\dir\\", "C:\\dir/"},
                                                                                       {"a\\,b", "a/\\,b"},
                                                                                       {"a\\b", "a\\b"}});
  EXPECT_EQ(escape_string_field("say \"hi\"\\\n"), "say \\\"hi\\\"\\\\ ");
}

// The structural guarantee every parser relies on: each special is preceded by exactly one
// backslash, and no element ends in a backslash (which would escape the separator).
void expect_unambiguous(const std::string& escaped, std::string_view specials) {
  ASSERT_TRUE(escaped.empty() || escaped.back() != '\\') << escaped;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    ASSERT_GE(static_cast<unsigned char>(escaped[i]), 0x20) << escaped;
    if (specials.find(escaped[i]) == std::string_view::npos) continue;
    ASSERT_GE(i, 1U) << escaped;
    ASSERT_EQ(escaped[i - 1], '\\') << escaped;
    ASSERT_TRUE(i < 2 || escaped[i - 2] != '\\') << escaped;
  }
}

TEST(LineProtocolEscape, PropertyRoundTripThroughTheReader) {
  std::mt19937 rng(20240601);  // fixed seed: failures must reproduce
  const std::string alphabet = std::string("ab ,=\\\"#\n\r\t") + "\xc3\xbc\xe2\x9c\x93";
  std::uniform_int_distribution<std::size_t> len(1, 10);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  int exact = 0;
  for (int n = 0; n < 5000; ++n) {
    std::string s;
    for (std::size_t k = len(rng); k > 0; --k) s += alphabet[pick(rng)];
    const std::string m = escape_measurement(s);
    const std::string k = escape_key(s);
    const std::string f = escape_string_field(s);
    expect_unambiguous(m, ", ");
    expect_unambiguous(k, ", =");
    const std::string line = m + "," + k + "=" + k + " " + k + "=\"" + f + "\"";
    Line l;
    ASSERT_NO_THROW(l = Reader(line).read()) << line;
    std::string want_m = normalized(s, ", ");
    if (want_m.front() == '#') want_m.front() = '_';
    ASSERT_EQ(l.measurement, want_m) << line;
    ASSERT_EQ(l.tags.size(), 1U) << line;
    ASSERT_EQ(l.tags[0].first, normalized(s, ", =")) << line;
    ASSERT_EQ(l.tags[0].second, normalized(s, ", =")) << line;
    ASSERT_EQ(l.fields.size(), 1U) << line;
    ASSERT_EQ(l.fields[0].first, normalized(s, ", =")) << line;
    std::string want_f = s;  // strings: only control characters change
    for (char& c : want_f) c = static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    ASSERT_EQ(l.fields[0].second, want_f) << line;
    if (l.tags[0].first == s) ++exact;
  }
  EXPECT_GT(exact, 500) << "most strings must survive unchanged";
}

}  // namespace
}  // namespace cfmon::telegraf
