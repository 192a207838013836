#pragma once
// The value every check returns and every formatter consumes: a tree of
// sub-results, each with a state, a reason code, a message and its metrics.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cfmon/metric.hpp"
#include "cfmon/range.hpp"
#include "cfmon/state.hpp"

namespace cfmon {

struct Result {
  std::string name;  // target name; empty for the root
  State state = State::unknown;
  std::string reason;                // short machine code: token_accepted, login_redirect, timeout, ...
  std::string message;               // one human line (may contain anything: formatters escape)
  std::vector<Measurement> metrics;  // in field order; see metric.hpp for what each formatter takes
  std::vector<std::pair<std::string, std::string>> tags;  // line-protocol tags ("result" is derived)
  std::vector<Result> children;
  // Run-level lines (root only), already part of `message`: what a formatter that shows a
  // single child's own message instead adds to it (the API budget, api_budget.hpp).
  std::vector<std::string> notes;

  // Adds one measurement of a declared metric.
  void add(const Metric& metric, std::optional<FieldValue> value = std::nullopt, std::optional<Range> warn = {},
           std::optional<Range> crit = {});

  // Depth first: every node with children takes the worst of its children's states
  // (severity order), replacing its own; a leaf keeps its own state.
  void aggregate_from_children();
};

// What a formatter gets: the tree plus the names each ecosystem shows.
struct Report {
  std::string label;        // Nagios label, e.g. "CF-ACCESS"
  std::string measurement;  // line-protocol measurement, e.g. "cf_access"
  Result root;
  std::int64_t timestamp_ns = 0;  // for line protocol; 0 = let the consumer stamp it
};

// What a formatter returns.
struct FormattedOutput {
  std::string text;
  int exit_code = 3;
};

}  // namespace cfmon
