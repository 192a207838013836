#pragma once
// The value every check returns and every formatter consumes: a tree of
// sub-results, each with a state, a reason code, a message and its metrics.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cfmon/range.hpp"
#include "cfmon/state.hpp"

namespace cfmon {

// One Nagios performance datum.
struct PerfDatum {
  std::string label;
  std::optional<double> value;   // nullopt prints as "U" (undeterminable)
  std::string uom;               // "", "s", "B", "c", ...
  std::optional<Range> warn;
  std::optional<Range> crit;
  std::optional<double> min;
  std::optional<double> max;
};

// A typed value for line protocol, Zabbix and JSON. Types never change with
// the outcome (InfluxDB rejects a batch whose field type changes).
using FieldValue = std::variant<std::int64_t, double, bool, std::string>;

struct Field {
  std::string key;
  FieldValue value;
  std::string zabbix_key;  // name in the Zabbix object; empty = same as key, "-" = omit
};

struct Result {
  std::string name;          // target name; empty for the root
  State state = State::unknown;
  std::string reason;        // short machine code: token_accepted, login_redirect, timeout, ...
  std::string message;       // one human line (may contain anything: formatters escape)
  std::vector<PerfDatum> perfdata;
  std::vector<std::pair<std::string, std::string>> tags;  // line-protocol tags
  std::vector<Field> fields;
  std::vector<Result> children;

  // Sets state to the worst of own state and children (severity order).
  void aggregate_from_children();
};

// What a formatter gets: the tree plus the names each ecosystem shows.
struct Report {
  std::string label;         // Nagios label, e.g. "CF-ACCESS"
  std::string measurement;   // line-protocol measurement, e.g. "cf_access"
  Result root;
  std::int64_t timestamp_ns = 0;  // for line protocol; 0 = let the consumer stamp it
};

// What a formatter returns.
struct FormattedOutput {
  std::string text;
  int exit_code = 3;
};

}  // namespace cfmon
