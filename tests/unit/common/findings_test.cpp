// One rule for the family: how findings make a result and children make their root.
#include "cfmon/findings.hpp"

#include <gtest/gtest.h>

#include "support/results.hpp"

namespace cfmon {
namespace {

Result child(State state, std::string reason, std::string message) {
  Result r;
  r.state = state;
  r.reason = std::move(reason);
  r.message = std::move(message);
  return r;
}

TEST(FoldFindings, TheWorstNamesTheResultAndEveryFindingIsSaidWorstFirst) {
  Result r;
  EXPECT_TRUE(fold_findings(r, {{State::warning, "token_idle", "unused for 40 days"},
                                {State::critical, "token_expired", "expired 2 days ago"},
                                {State::warning, "lifetime_too_long", "lifetime forever"}}));
  EXPECT_TRUE(cfmon::testing::says(r, State::critical, "token_expired",
                                   "expired 2 days ago; unused for 40 days; lifetime forever"));
}

TEST(FoldFindings, NothingFoundLeavesTheResultToTheCaller) {
  Result r = child(State::ok, "token_valid", "expires in 90 days");
  EXPECT_FALSE(fold_findings(r, {}));
  EXPECT_EQ(r.message, "expires in 90 days");
}

TEST(SummaryLine, CountsChildrenPerStateWorstFirstAndLeavesOutEmptyStates) {
  Result root;
  root.children = {child(State::ok, "a", ""), child(State::critical, "b", ""), child(State::ok, "c", ""),
                   child(State::unknown, "d", "")};
  EXPECT_EQ(summary_line(root, "app", "apps"), "4 apps: 1 critical, 1 unknown, 2 ok");
  root.children.resize(1);
  EXPECT_EQ(summary_line(root, "app", "apps"), "1 app: 1 ok");
}

TEST(FoldChildren, OneChildSpeaksForItselfOrIsCounted) {
  Result speaks;
  speaks.children = {child(State::warning, "token_idle", "unused for 40 days")};
  fold_children(speaks, "token", "tokens", SingleChild::speaks);
  EXPECT_TRUE(cfmon::testing::says(speaks, State::warning, "token_idle", "unused for 40 days"));

  Result counted;
  counted.children = {child(State::critical, "token_rejected", "token rejected")};
  fold_children(counted, "app", "apps", SingleChild::counted);
  EXPECT_TRUE(cfmon::testing::says(counted, State::critical, "token_rejected", "1 app: 1 critical"));
}

TEST(FoldChildren, SeveralChildrenAreASummaryInTheWorstState) {
  Result root;
  root.children = {child(State::ok, "token_valid", ""), child(State::warning, "token_idle", "")};
  fold_children(root, "token", "tokens", SingleChild::speaks);
  EXPECT_TRUE(cfmon::testing::says(root, State::warning, "summary", "2 tokens: 1 warning, 1 ok"));
}

}  // namespace
}  // namespace cfmon
