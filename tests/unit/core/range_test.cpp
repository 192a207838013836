#include "cfmon/range.hpp"

#include <gtest/gtest.h>

#include "support/examples.hpp"

#include <clocale>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace cfmon {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

struct AlertCase {
  const char* range;
  double value;
  bool alerts;
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
void PrintTo(const AlertCase& c, std::ostream* os) {
  *os << c.range << " @ " << c.value;
}

// The Nagios threshold table: every documented form at and around its edges.
class RangeAlerts : public ::testing::TestWithParam<AlertCase> {};

TEST_P(RangeAlerts, MatchesNagiosSemantics) {
  const AlertCase& c = GetParam();
  const auto range = parse_range(c.range);
  ASSERT_TRUE(range.has_value()) << c.range << ": " << range.error().message;
  EXPECT_EQ(range->alerts(c.value), c.alerts) << "range " << c.range << " value " << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, RangeAlerts,
    ::testing::Values(
        // "10": outside 0..10, ends inclusive.
        AlertCase{"10", -0.001, true}, AlertCase{"10", 0, false}, AlertCase{"10", 5, false}, AlertCase{"10", 10, false},
        AlertCase{"10", 10.001, true},
        // "10:": below 10.
        AlertCase{"10:", 9.999, true}, AlertCase{"10:", 10, false}, AlertCase{"10:", 1e300, false},
        AlertCase{"10:", inf, false},
        // "~:10": above 10.
        AlertCase{"~:10", -1e300, false}, AlertCase{"~:10", -inf, false}, AlertCase{"~:10", 10, false},
        AlertCase{"~:10", 10.5, true},
        // "10:20": outside.
        AlertCase{"10:20", 9, true}, AlertCase{"10:20", 10, false}, AlertCase{"10:20", 15, false},
        AlertCase{"10:20", 20, false}, AlertCase{"10:20", 21, true},
        // "@10:20": inside, inclusive.
        AlertCase{"@10:20", 9.99, false}, AlertCase{"@10:20", 10, true}, AlertCase{"@10:20", 15, true},
        AlertCase{"@10:20", 20, true}, AlertCase{"@10:20", 20.01, false},
        // "@10": inside 0..10.
        AlertCase{"@10", 0, true}, AlertCase{"@10", -1, false}, AlertCase{"@10", 11, false},
        // Decimals.
        AlertCase{"0.5", 0.5, false}, AlertCase{"0.5", 0.51, true}, AlertCase{"0.25:0.75", 0.2, true},
        AlertCase{".5", 0.6, true}, AlertCase{"+0.5", 0.6, true},
        // Negative numbers.
        AlertCase{"-5:5", -5, false}, AlertCase{"-5:5", -5.1, true}, AlertCase{"-10:-5", -7, false},
        AlertCase{"-10:-5", -4, true}, AlertCase{"~:-5", -6, false}, AlertCase{"~:-5", -4, true},
        AlertCase{"-5:", -6, true}, AlertCase{"@-5:-1", -3, true},
        // Exponents.
        AlertCase{"1e3", 1000, false}, AlertCase{"1e3", 1001, true}, AlertCase{"1.5E-3", 0.002, true},
        // Degenerate but valid: a single point.
        AlertCase{"5:5", 5, false}, AlertCase{"5:5", 5.0001, true}, AlertCase{"@5:5", 5, true},
        // "~:" has no bounds at all: never alerts, and '@' makes it always alert.
        AlertCase{"~:", -1e9, false}, AlertCase{"~:", 1e9, false}, AlertCase{"@~:", 42, true},
        // Surrounding whitespace from config files is tolerated.
        AlertCase{" 10 ", 11, true}, AlertCase{"\t@10:20\t", 15, true}));

TEST(Range, ParsedFieldsMatchTheGrammar) {
  auto r = parse_range("@-1.5:2e1");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->inside);
  EXPECT_DOUBLE_EQ(r->start, -1.5);
  EXPECT_DOUBLE_EQ(r->end, 20.0);

  r = parse_range("~:10");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(std::isinf(r->start) && r->start < 0);
  EXPECT_DOUBLE_EQ(r->end, 10.0);
  EXPECT_FALSE(r->inside);

  r = parse_range("10:");
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->start, 10.0);
  EXPECT_TRUE(std::isinf(r->end) && r->end > 0);

  r = parse_range("10");
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->start, 0.0);
  EXPECT_DOUBLE_EQ(r->end, 10.0);
}

TEST(Range, KeepsTheTextForPerfdata) {
  const auto r = parse_range("  @10:20 ");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->text, "@10:20");
  EXPECT_EQ(parse_range("~:0.5")->text, "~:0.5");
}

TEST(Range, NanValueAlwaysAlerts) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(parse_range("10")->alerts(nan));
  EXPECT_TRUE(parse_range("@10:20")->alerts(nan));
  EXPECT_TRUE(parse_range("~:")->alerts(nan));
}

TEST(Range, DefaultRangeAlertsOnAnythingButZero) {
  const Range r;
  EXPECT_FALSE(r.alerts(0.0));
  EXPECT_TRUE(r.alerts(0.1));
  EXPECT_TRUE(r.alerts(-0.1));
}

// The text, and part of the message: what the user reads to fix it.
using RejectCase = cfmon::testing::TextCase;

class RangeRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(RangeRejects, WithAOneLineReason) {
  const RejectCase& c = GetParam();
  const auto r = parse_range(c.input);
  ASSERT_FALSE(r.has_value()) << "accepted '" << c.input << "'";
  const std::string& msg = r.error().message;
  EXPECT_NE(msg.find(c.expected), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("invalid threshold range", 0), 0U) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, RangeRejects,
    ::testing::Values(
        RejectCase{"", "empty"}, RejectCase{"   ", "empty"}, RejectCase{"abc", "'abc' is not a finite number"},
        RejectCase{"20:10", "start is greater than end"}, RejectCase{"@20:10", "start is greater than end"},
        RejectCase{"-5", "cannot be negative"}, RejectCase{"10:20x", "'20x' is not a finite number"},
        RejectCase{"10x:20", "'10x' is not a finite number"}, RejectCase{"@", "'@' must be followed by a range"},
        RejectCase{"@@10", "'@10' is not a finite number"}, RejectCase{"nan", "not a finite number"},
        RejectCase{"NaN:1", "not a finite number"}, RejectCase{"inf", "not a finite number"},
        RejectCase{"0:inf", "not a finite number"}, RejectCase{"-infinity:0", "not a finite number"},
        RejectCase{"1e999", "not a finite number"}, RejectCase{":", "missing start"},
        RejectCase{":10", "missing start"}, RejectCase{"~", "'~' only stands for a start"},
        RejectCase{"10:~", "'~' is not a finite number"}, RejectCase{"10:20:30", "'20:30' is not a finite number"},
        RejectCase{"10 :20", "'10 ' is not a finite number"}, RejectCase{"1,5", "'1,5' is not a finite number"},
        RejectCase{"0x10", "'0x10' is not a finite number"}, RejectCase{"+-5", "'+-5' is not a finite number"},
        RejectCase{"--5", "'--5' is not a finite number"}, RejectCase{"1e", "'1e' is not a finite number"}));

TEST(Range, ErrorQuotesInputWithoutControlCharacters) {
  const auto r = parse_range("10\n|x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  EXPECT_NE(r.error().message.find("'10?|x'"), std::string::npos) << r.error().message;
}

TEST(Range, IgnoresTheProcessLocale) {
  // A German locale uses ',' as decimal separator; "0.5" must still parse.
  const std::string saved = std::setlocale(LC_ALL, nullptr);
  const bool switched = std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr || std::setlocale(LC_ALL, "de_DE") != nullptr;
  const auto r = parse_range("0.5:1.5");
  std::setlocale(LC_ALL, saved.c_str());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->start, 0.5);
  EXPECT_DOUBLE_EQ(r->end, 1.5);
  if (!switched) GTEST_SKIP() << "de_DE locale not installed; parsed under the C locale only";
}

}  // namespace
}  // namespace cfmon
