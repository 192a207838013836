#include "status_map.hpp"

#include <gtest/gtest.h>

#include "support/examples.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace cfmon {
namespace {

StatusMap parse_ok(std::string_view text) {
  auto map = StatusMap::parse(text);
  EXPECT_TRUE(map.has_value()) << text << ": " << (map ? "" : map.error().message);
  return map ? *map : StatusMap{};
}

// What a map answers for each status, grouped by state; `unmapped`: not covered, the
// caller falls back to its default classification.
struct LookupCase {
  const char* name;
  const char* map;
  std::vector<int> ok, warning, critical, unknown, unmapped;
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
void PrintTo(const LookupCase& c, std::ostream* os) {
  *os << c.map;
}

class StatusMapLookups : public ::testing::TestWithParam<LookupCase> {};

TEST_P(StatusMapLookups, AnswerAsWritten) {
  const LookupCase& c = GetParam();
  const StatusMap map = parse_ok(c.map);
  EXPECT_FALSE(map.empty());
  const std::pair<const std::vector<int>&, std::optional<State>> groups[] = {{c.ok, State::ok},
                                                                             {c.warning, State::warning},
                                                                             {c.critical, State::critical},
                                                                             {c.unknown, State::unknown},
                                                                             {c.unmapped, std::nullopt}};
  for (const auto& [statuses, state] : groups) {
    for (const int status : statuses) EXPECT_EQ(map.lookup(status), state) << c.map << " @ " << status;
  }
}

// A table, one map a row.
// clang-format off
INSTANTIATE_TEST_SUITE_P(StatusMap, StatusMapLookups, ::testing::Values(
  //         name, map,
  //         ok, warning, critical, unknown, unmapped
  LookupCase{"TheDocumentedExample", "404=ok,5xx=critical,200-299=ok,3xx=warning",
             {404, 200, 299}, {301, 399}, {500, 503, 599}, {}, {403, 100}},
  LookupCase{"EveryStateNameAndAlias", "401=OK,402=Warning,403=CRITICAL,404=unknown,405=warn,406=crit,407=0,408=1,409=2,410=3",
             {401, 407}, {402, 405, 408}, {403, 406, 409}, {404, 410}, {}},
  LookupCase{"ClassesAreCaseInsensitiveAndCoverTheirHundred", "1XX=warning,2xX=ok,4Xx=critical",
             {250}, {100, 199}, {400, 499}, {}, {500}},
  LookupCase{"RangesAreInclusive", "401-403=critical,418-418=ok",
             {418}, {}, {401, 402, 403}, {}, {400, 404}},
  LookupCase{"ToleratesBlanksAroundItemsKeysAndStates", "  404 = ok ,\t5xx=critical\t, 200 - 299 =ok ",
             {404, 204}, {}, {502}, {}, {}},
  // 0: no response at all.
  LookupCase{"OutOfRangeStatusesAreNeverMapped", "1xx=ok,5xx=critical,100-599=warning",
             {}, {}, {}, {}, {0, -1, 99, 600}}),
  [](const ::testing::TestParamInfo<LookupCase>& p) { return std::string(p.param.name); });
// clang-format on

TEST(StatusMap, EmptyTextMeansNoOverrides) {
  for (const char* text : {"", "   ", "\t"}) {
    const StatusMap map = parse_ok(text);
    EXPECT_TRUE(map.empty()) << '\'' << text << '\'';
    EXPECT_EQ(map.lookup(500), std::nullopt);
  }
}

// Precedence: exact > range > class whatever the order, later wins among equals.
struct PrecedenceCase {
  const char* map;
  int status;
  State expected;
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
void PrintTo(const PrecedenceCase& c, std::ostream* os) {
  *os << c.map << " @ " << c.status;
}

class StatusMapPrecedence : public ::testing::TestWithParam<PrecedenceCase> {};

TEST_P(StatusMapPrecedence, MostSpecificThenLatestWins) {
  const PrecedenceCase& c = GetParam();
  EXPECT_EQ(parse_ok(c.map).lookup(c.status), c.expected) << c.map << " for " << c.status;
}

INSTANTIATE_TEST_SUITE_P(Order, StatusMapPrecedence,
                         ::testing::Values(
                             // Exact beats class, in either order.
                             PrecedenceCase{"503=warning,5xx=critical", 503, State::warning},
                             PrecedenceCase{"5xx=critical,503=warning", 503, State::warning},
                             PrecedenceCase{"5xx=critical,503=warning", 500, State::critical},
                             // Exact beats range, in either order.
                             PrecedenceCase{"404=ok,400-499=critical", 404, State::ok},
                             PrecedenceCase{"400-499=critical,404=ok", 404, State::ok},
                             // Range beats class, in either order, even when it spans the whole class.
                             PrecedenceCase{"500-599=warning,5xx=critical", 550, State::warning},
                             PrecedenceCase{"5xx=critical,500-599=warning", 550, State::warning},
                             PrecedenceCase{"5xx=critical,502-504=unknown", 503, State::unknown},
                             PrecedenceCase{"5xx=critical,502-504=unknown", 501, State::critical},
                             // Exact beats range beats class all at once.
                             PrecedenceCase{"504=ok,5xx=critical,500-504=warning", 504, State::ok},
                             PrecedenceCase{"504=ok,5xx=critical,500-504=warning", 503, State::warning},
                             PrecedenceCase{"504=ok,5xx=critical,500-504=warning", 505, State::critical},
                             // Among equals the later entry wins.
                             PrecedenceCase{"404=ok,404=critical", 404, State::critical},
                             PrecedenceCase{"4xx=ok,4xx=warning", 404, State::warning},
                             PrecedenceCase{"400-450=ok,420-499=critical", 430, State::critical},
                             PrecedenceCase{"420-499=critical,400-450=ok", 430, State::ok},
                             PrecedenceCase{"420-499=critical,400-450=ok", 460, State::critical}));

TEST(StatusMap, ExposesEntriesInTheOrderWritten) {
  const StatusMap map = parse_ok("5xx=critical,200-204=ok,404=warning");
  ASSERT_EQ(map.entries().size(), 3U);
  EXPECT_EQ(map.entries()[0].kind, StatusMapEntry::Kind::status_class);
  EXPECT_EQ(map.entries()[0].low, 500);
  EXPECT_EQ(map.entries()[0].high, 599);
  EXPECT_EQ(map.entries()[1].kind, StatusMapEntry::Kind::range);
  EXPECT_EQ(map.entries()[1].low, 200);
  EXPECT_EQ(map.entries()[1].high, 204);
  EXPECT_EQ(map.entries()[2].kind, StatusMapEntry::Kind::exact);
  EXPECT_EQ(map.entries()[2].low, 404);
  EXPECT_EQ(map.entries()[2].state, State::warning);
}

// The text, and the message (exact: users read these).
using RejectCase = cfmon::testing::TextCase;

class StatusMapRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(StatusMapRejects, WithAMessageNamingTheItem) {
  const auto map = StatusMap::parse(GetParam().input);
  ASSERT_FALSE(map.has_value()) << "accepted " << GetParam().input;
  EXPECT_EQ(map.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, StatusMapRejects,
    ::testing::Values(RejectCase{"99=ok", "invalid status map item '99=ok': status code '99' is outside 100-599"},
                      RejectCase{"600=ok", "invalid status map item '600=ok': status code '600' is outside 100-599"},
                      RejectCase{"0404=ok", "invalid status map item '0404=ok': status code '0404' is outside 100-599"},
                      RejectCase{"99999999999999=ok",
                                 "invalid status map item '99999999999999=ok': status code '99999999999999' "
                                 "is outside 100-599"},
                      RejectCase{"6xx=ok",
                                 "invalid status map item '6xx=ok': '6xx' is not a status class "
                                 "(1xx to 5xx)"},
                      RejectCase{"0xx=ok",
                                 "invalid status map item '0xx=ok': '0xx' is not a status class "
                                 "(1xx to 5xx)"},
                      RejectCase{"abc=ok",
                                 "invalid status map item 'abc=ok': 'abc' is not a status code "
                                 "(404), class (5xx) or range (200-299)"},
                      RejectCase{"5x=ok",
                                 "invalid status map item '5x=ok': '5x' is not a status code (404), "
                                 "class (5xx) or range (200-299)"},
                      RejectCase{"404=bad",
                                 "invalid status map item '404=bad': 'bad' is not a state (ok, warning, "
                                 "critical, unknown)"},
                      RejectCase{"404=",
                                 "invalid status map item '404=': '' is not a state (ok, warning, "
                                 "critical, unknown)"},
                      RejectCase{"404", "invalid status map item '404': expected CODE=STATE, as in 404=ok"},
                      RejectCase{"=ok", "invalid status map item '=ok': missing status code before '='"},
                      RejectCase{"404=ok=critical",
                                 "invalid status map item '404=ok=critical': 'ok=critical' is not a state "
                                 "(ok, warning, critical, unknown)"},
                      RejectCase{"299-200=ok",
                                 "invalid status map item '299-200=ok': range '299-200' has LOW greater than "
                                 "HIGH"},
                      RejectCase{"200-=ok", "invalid status map item '200-=ok': '' is not a status code"},
                      RejectCase{"200-700=ok",
                                 "invalid status map item '200-700=ok': status code '700' is outside 100-599"},
                      RejectCase{"2xx-3xx=ok",
                                 "invalid status map item '2xx-3xx=ok': '2xx' is not a status "
                                 "code"},
                      RejectCase{"404=ok,,500=critical", "invalid status map: item 2 is empty (stray ',')"},
                      RejectCase{"404=ok,", "invalid status map: item 2 is empty (stray ',')"},
                      RejectCase{",404=ok", "invalid status map: item 1 is empty (stray ',')"},
                      RejectCase{"404=ok, ,500=ok", "invalid status map: item 2 is empty (stray ',')"},
                      RejectCase{"404=ok;500=critical",
                                 "invalid status map item '404=ok;500=critical': 'ok;500=critical' is not a "
                                 "state (ok, warning, critical, unknown)"},
                      RejectCase{"404=o\nk",
                                 "invalid status map item '404=o?k': 'o?k' is not a state (ok, "
                                 "warning, critical, unknown)"}));

}  // namespace
}  // namespace cfmon
