#pragma once
// How a check turns what it found into one result, and children into their root: one rule
// for the whole family.
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/result.hpp"
#include "cfmon/state.hpp"

namespace cfmon {

// One thing a check found wrong with one item.
struct Finding {
  State state = State::warning;
  std::string reason;  // reason code, e.g. "token_expired"
  std::string text;    // what a person reads, e.g. "expired 3 days ago (2026-12-01)"
};

// The worst finding names the result (state and reason; the first of equally bad ones);
// every finding is in the message, worst first, joined by "; ". No findings: `r` is left as
// it is and false is returned, so the caller writes its OK result.
bool fold_findings(Result& r, std::vector<Finding> findings);

// "4 apps: 1 critical, 3 ok": the count of children, then how many are in each state, worst
// first, states without children left out. `one`/`many` name the children ("app", "apps").
std::string summary_line(const Result& root, std::string_view one, std::string_view many);

// What the root says when it has exactly one child: the child's own message (speaks), or the
// summary line (counted). Either way its reason is the child's; with several it is "summary".
enum class SingleChild { speaks, counted };

// The root's state is the worst of its children (Result::aggregate_from_children), and its
// reason and message follow the rule above.
void fold_children(Result& root, std::string_view one, std::string_view many, SingleChild single);

}  // namespace cfmon
