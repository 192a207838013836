#include "cfmon/state.hpp"

#include <gtest/gtest.h>

#include "cfmon/result.hpp"
#include "cfmon/secret.hpp"

namespace cfmon {
namespace {

TEST(State, AggregationOrderIsOkUnknownWarningCritical) {
  EXPECT_EQ(worst(State::ok, State::unknown), State::unknown);
  EXPECT_EQ(worst(State::unknown, State::warning), State::warning);
  EXPECT_EQ(worst(State::warning, State::critical), State::critical);
  EXPECT_EQ(worst(State::critical, State::unknown), State::critical);
  EXPECT_EQ(worst(State::warning, State::unknown), State::warning);
}

TEST(State, ExitCodesAreNagiosValues) {
  EXPECT_EQ(static_cast<int>(State::ok), 0);
  EXPECT_EQ(static_cast<int>(State::warning), 1);
  EXPECT_EQ(static_cast<int>(State::critical), 2);
  EXPECT_EQ(static_cast<int>(State::unknown), 3);
}

TEST(State, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_state("Critical"), State::critical);
  EXPECT_EQ(parse_state("ok"), State::ok);
  EXPECT_EQ(parse_state("UNKNOWN"), State::unknown);
  EXPECT_FALSE(parse_state("bad").has_value());
}

TEST(Result, RootTakesTheWorstChild) {
  Result root;
  root.children.resize(3);
  root.children[0].state = State::ok;
  root.children[1].state = State::unknown;
  root.children[2].state = State::warning;
  root.aggregate_from_children();
  EXPECT_EQ(root.state, State::warning);
}

TEST(Secret, RedactReplacesEveryOccurrence) {
  const Secret s{"s3cr3t"};
  EXPECT_EQ(redact("a s3cr3t b s3cr3t", {&s}), "a <redacted> b <redacted>");
}

}  // namespace
}  // namespace cfmon
