#pragma once
// Each metric is declared once, as a constant naming it in every ecosystem (Nagios perfdata
// label and unit, line-protocol field, Zabbix key); a check adds measurements of it to a
// Result, and the formatters derive what they show from that one list.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cfmon/range.hpp"

namespace cfmon {

struct Result;

// Units of measure the checks use. Perfdata has no day: a value in days has no UOM there,
// and Prometheus gets it in seconds (its base unit).
enum class Unit { none, seconds, bytes, percent, counter, days };

// The perfdata UOM: "", "s", "B", "%", "c", "" (days).
std::string_view unit_symbol(Unit unit) noexcept;

// A typed value for line protocol, Zabbix and JSON. Types never change with the outcome
// (InfluxDB rejects a batch whose field type changes).
using FieldValue = std::variant<std::int64_t, double, bool, std::string>;

struct Metric {
  // Every member has an initializer, so a declaration names only what it sets.
  std::string field{};          // line-protocol field and JSON "fields" key; empty: not a field
  std::string perf_label{};     // Nagios perfdata label; empty: not in perfdata
  Unit unit = Unit::none;       // perfdata unit
  std::string zabbix_key{};     // name in the Zabbix object; empty: the field name
  bool in_zabbix = true;        // false: not in the Zabbix object
  std::optional<double> min{};  // perfdata min and max
  std::optional<double> max{};
  // Perfdata is ordered by it (stable), fields by the order of Result::add: check_http's
  // perfdata puts the size after the times, http_response's fields put it before them.
  int perf_rank = 0;
  // When set, the value is derived from the result's reason code when formatting (the check
  // adds the metric without a value).
  std::int64_t (*from_reason)(std::string_view reason) = nullptr;
  // The Prometheus name after "cfmon_", unit suffix included; empty: the field name with the
  // unit's suffix (prometheus/formatter/prometheus_formatter.hpp).
  std::string prometheus{};
};

// One measurement of a metric in a Result.
struct Measurement {
  Metric metric;
  std::optional<FieldValue> value;  // nullopt: not measured (perfdata "U", no field)
  std::optional<Range> warn;
  std::optional<Range> crit;
};

// One Nagios performance datum.
struct PerfDatum {
  std::string label;
  std::optional<double> value;  // nullopt prints as "U" (undeterminable)
  std::string uom;              // "", "s", "B", "c", ...
  std::optional<Range> warn;
  std::optional<Range> crit;
  std::optional<double> min;
  std::optional<double> max;
};

// One typed field of a line-protocol point, a JSON node and a Zabbix object.
struct Field {
  std::string key;
  FieldValue value;
  std::string zabbix_key;  // empty: not in the Zabbix object
};

// The value a measurement shows: derived from the result's reason when the metric says so,
// else its own (nullopt: not measured).
std::optional<FieldValue> value_of(const Result& r, const Measurement& m);

// Telegraf inputs.http_response's result_code for a reason code: 0 success, 3 connection
// failed, 4 timeout, 5 DNS error, 6 status mismatch (any other answer).
std::int64_t http_response_result_code(std::string_view reason);

// result_code as inputs.http_response writes it, derived from the reason (not in Zabbix:
// its objects carry the reason itself).
inline const Metric kResultCodeMetric{
    .field = "result_code", .in_zabbix = false, .from_reason = &http_response_result_code};

// The perfdata of a result's measurements: those with a perfdata label, by perf_rank.
std::vector<PerfDatum> perfdata_of(const Result& r);

// The fields of a result's measurements: those with a field name and a value, in order.
std::vector<Field> fields_of(const Result& r);

// The tags of a result: its own, then for a leaf "result" = its reason code (when set; it
// replaces a "result" tag of its own).
std::vector<std::pair<std::string, std::string>> tags_of(const Result& r);

}  // namespace cfmon
