#include "cfmon/metric.hpp"

#include <algorithm>

#include "cfmon/result.hpp"
#include "cfmon/tables.hpp"

namespace cfmon {
namespace {

// Perfdata is numeric: integers and doubles; anything else is undeterminable ("U").
std::optional<double> number_of(const std::optional<FieldValue>& value) {
  if (!value) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&*value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&*value)) return *d;
  return std::nullopt;
}

constexpr EnumNames<Unit, 6> kUnitSymbols{{"", "s", "B", "%", "c", ""}};
static_assert(kUnitSymbols.ends_with(Unit::days));

}  // namespace

std::optional<FieldValue> value_of(const Result& r, const Measurement& m) {
  if (m.metric.from_reason != nullptr) return FieldValue{m.metric.from_reason(r.reason)};
  return m.value;
}

std::string_view unit_symbol(Unit unit) noexcept {
  return kUnitSymbols(unit, "");
}

std::int64_t http_response_result_code(std::string_view reason) {
  if (reason == "token_accepted" || reason == "app_redirect") return 0;
  if (reason == "timeout") return 4;
  if (reason == "dns_error") return 5;
  if (reason == "connect_error" || reason == "tls_error" || reason == "protocol_error" || reason == "transport_error" ||
      reason == "config_error") {
    return 3;
  }
  return 6;  // response status code mismatch
}

void Result::add(const Metric& metric, std::optional<FieldValue> value, std::optional<Range> warn,
                 std::optional<Range> crit) {
  metrics.push_back(Measurement{metric, std::move(value), std::move(warn), std::move(crit)});
}

std::vector<PerfDatum> perfdata_of(const Result& r) {
  std::vector<const Measurement*> order;
  for (const auto& m : r.metrics) {
    if (!m.metric.perf_label.empty()) order.push_back(&m);
  }
  std::stable_sort(order.begin(), order.end(), [](const Measurement* a, const Measurement* b) {
    return a->metric.perf_rank < b->metric.perf_rank;
  });
  std::vector<PerfDatum> out;
  out.reserve(order.size());
  for (const Measurement* m : order) {
    out.push_back(PerfDatum{m->metric.perf_label, number_of(value_of(r, *m)), std::string(unit_symbol(m->metric.unit)),
                            m->warn, m->crit, m->metric.min, m->metric.max});
  }
  return out;
}

std::vector<Field> fields_of(const Result& r) {
  std::vector<Field> out;
  for (const auto& m : r.metrics) {
    if (m.metric.field.empty()) continue;
    auto value = value_of(r, m);
    if (!value) continue;  // not measured: no field (InfluxDB has no null)
    std::string zabbix_key;
    if (m.metric.in_zabbix) zabbix_key = m.metric.zabbix_key.empty() ? m.metric.field : m.metric.zabbix_key;
    out.push_back(Field{m.metric.field, std::move(*value), std::move(zabbix_key)});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> tags_of(const Result& r) {
  const bool derived = r.children.empty() && !r.reason.empty();
  std::vector<std::pair<std::string, std::string>> tags;
  for (const auto& tag : r.tags) {
    if (!derived || tag.first != "result") tags.push_back(tag);
  }
  if (derived) tags.emplace_back("result", r.reason);
  return tags;
}

}  // namespace cfmon
