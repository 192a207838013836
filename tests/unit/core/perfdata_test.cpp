#include "cfmon/perfdata.hpp"

#include <gtest/gtest.h>

#include <clocale>
#include <limits>
#include <locale>
#include <random>
#include <string>

#include "../support/golden.hpp"
#include "../support/sample_reports.hpp"
#include "support/examples.hpp"

namespace cfmon {
namespace {

using testing::make_range;

TEST(FormatNumber, PlainDecimalsWithoutExponent) {
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(200.0), "200");
  EXPECT_EQ(format_number(0.123), "0.123");
  EXPECT_EQ(format_number(0.1234564), "0.123456");
  EXPECT_EQ(format_number(0.1234566), "0.123457");
  EXPECT_EQ(format_number(-1.5), "-1.5");
  EXPECT_EQ(format_number(1e-7), "0");
  EXPECT_EQ(format_number(-1e-7), "0");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(1e-5), "0.00001");
  EXPECT_EQ(format_number(1e21), "1000000000000000000000");
  EXPECT_EQ(format_number(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(format_number(std::numeric_limits<double>::max()).size(), 309U);
}

TEST(FormatNumber, NonFiniteIsUndeterminable) {
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "U");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "U");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "U");
}

// A comma-decimal C++ global locale must not leak into perfdata (iostreams would use it).
struct CommaDecimal : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST(FormatNumber, IgnoresTheGlobalLocale) {
  const std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  const std::string printed = format_number(1234.5);
  std::locale::global(previous);
  EXPECT_EQ(printed, "1234.5");
}

TEST(FormatNumber, IgnoresTheCLocale) {
  const char* candidates[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
  bool applied = false;
  for (const char* name : candidates) applied = applied || std::setlocale(LC_NUMERIC, name) != nullptr;
  if (!applied) GTEST_SKIP() << "no comma-decimal C locale installed";
  const std::string printed = format_number(1234.5);
  std::setlocale(LC_NUMERIC, "C");
  EXPECT_EQ(printed, "1234.5");
}

TEST(SanitizePerfLabel, DropsWhatPerfdataCannotCarry) {
  cfmon::testing::expect_examples([](const std::string& s) { return sanitize_perf_label(s); },
                                  {{"time", "time"},
                                   {"it's=a|b\nc\td\x7f", "itsabcd"},
                                   {"with space", "with space"},
                                   {"ünïcødé", "ünïcødé"},
                                   {"'='|", "_"},
                                   {"", "_"}});
}

TEST(SanitizePerfLabel, PropertyOutputIsCleanAndIdempotent) {
  std::mt19937 rng(1234);  // fixed seed: failures must reproduce
  const std::string alphabet = std::string("ab '=|;\n\r\t\x7f\\\"") + "\xc3\xbc";
  std::uniform_int_distribution<std::size_t> len(0, 12);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    for (std::size_t n = len(rng); n > 0; --n) s += alphabet[pick(rng)];
    const std::string out = sanitize_perf_label(s);
    ASSERT_FALSE(out.empty());
    for (char c : out) {
      const auto u = static_cast<unsigned char>(c);
      ASSERT_TRUE(c != '\'' && c != '=' && c != '|' && u >= 0x20 && u != 0x7f) << s;
    }
    ASSERT_EQ(sanitize_perf_label(out), out) << s;
  }
}

// A datum with just a label, a value (none: undeterminable) and a unit.
PerfDatum datum(std::string label, std::optional<double> value, std::string uom = "") {
  PerfDatum d;
  d.label = std::move(label);
  d.value = value;
  d.uom = std::move(uom);
  return d;
}

TEST(FormatPerfdatum, MinimalAndFull) {
  PerfDatum d = datum("time", 0.5, "s");
  EXPECT_EQ(format_perfdatum(d), "time=0.5s");
  d.warn = make_range("1", 0, 1);
  d.crit = make_range("2", 0, 2);
  d.min = 0.0;
  d.max = 10.0;
  EXPECT_EQ(format_perfdatum(d), "time=0.5s;1;2;0;10");
}

TEST(FormatPerfdatum, TrimsOnlyTrailingEmptyFields) {
  PerfDatum d = datum("size", 1024, "B");
  d.min = 0.0;
  EXPECT_EQ(format_perfdatum(d), "size=1024B;;;0");
  d.min.reset();
  d.crit = make_range("10:", 10, testing::kInf);
  EXPECT_EQ(format_perfdatum(d), "size=1024B;;10:");
}

TEST(FormatPerfdatum, UndeterminableValue) {
  PerfDatum d = datum("time", std::nullopt, "s");
  EXPECT_EQ(format_perfdatum(d), "time=U");
  d.value = std::numeric_limits<double>::quiet_NaN();
  d.max = std::numeric_limits<double>::infinity();
  EXPECT_EQ(format_perfdatum(d), "time=U");
}

TEST(FormatPerfdatum, QuotesLabelsWithSpacesOnly) {
  PerfDatum d = datum("cert days", 3);
  EXPECT_EQ(format_perfdatum(d), "'cert days'=3");
  d.label = "it's = a|b";
  EXPECT_EQ(format_perfdatum(d), "'its  ab'=3");
}

TEST(FormatPerfdatum, UomAndRangeTextCannotBreakTheDatum) {
  PerfDatum d = datum("x", 1, "2 s;|");
  d.warn = make_range("1; 2|", 0, 1);
  EXPECT_EQ(format_perfdatum(d), "x=1s;12");
}

// Every datum of the shared sample reports, one per line.
TEST(FormatPerfdatum, Golden) {
  std::string out;
  for (const Report& report : {testing::single_ok_report(), testing::thresholds_report(), testing::u_values_report(),
                               testing::nasty_report()}) {
    for (const auto& d : perfdata_of(report.root)) out += format_perfdatum(d) + "\n";
    for (const auto& child : report.root.children) {
      for (const auto& d : perfdata_of(child)) out += format_perfdatum(d) + "\n";
    }
  }
  testing::expect_golden("perfdata", "sample_reports", out);
}

}  // namespace
}  // namespace cfmon
