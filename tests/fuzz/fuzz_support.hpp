#pragma once
// Shared by the libFuzzer targets: property checks that crash loudly (libFuzzer then
// saves the input as a reproducer), a UTF-8 validator independent of the core's, and
// Reports built from fuzz input for the formatter round-trip properties.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "cfmon/range.hpp"
#include "cfmon/result.hpp"

namespace cfmon::fuzz {

// Shows the bytes of a value in a property report (control bytes as \xNN).
inline std::string visible(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// A violated property is a crash: libFuzzer stops and writes the input out.
[[noreturn]] inline void violated(const char* property, const char* file, int line, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n%s\n", file, line, property, detail.c_str());
  std::abort();
}

#define CFMON_FUZZ_CHECK(cond, detail)                                       \
  do {                                                                       \
    if (!(cond)) ::cfmon::fuzz::violated(#cond, __FILE__, __LINE__, detail); \
  } while (0)

inline bool has_control(std::string_view s, bool allow_newline = false) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 || u == 0x7f) && !(allow_newline && c == '\n')) return true;
  }
  return false;
}

// A parser's error message: one line that starts as documented (`prefix`), no control bytes.
inline void check_error_message(const std::string& m, std::string_view prefix) {
  CFMON_FUZZ_CHECK(m.rfind(prefix, 0) == 0, visible(m));
  CFMON_FUZZ_CHECK(!has_control(m), visible(m));
}

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF), written
// from the table in RFC 3629 rather than copied from the core.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if ((b & 0xE0U) == 0xC0U) {
      len = 2;
      cp = b & 0x1FU;
    } else if ((b & 0xF0U) == 0xE0U) {
      len = 3;
      cp = b & 0x0FU;
    } else if ((b & 0xF8U) == 0xF0U) {
      len = 4;
      cp = b & 0x07U;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0U) != 0x80U) return false;
      cp = (cp << 6U) | (c & 0x3FU);
    }
    const std::uint32_t min = len == 2 ? 0x80U : len == 3 ? 0x800U : 0x10000U;
    if (cp < min || cp > 0x10FFFFU || (cp >= 0xD800U && cp <= 0xDFFFU)) return false;
    i += len;
  }
  return true;
}

// ---------------------------------------------------------------- building Reports

inline std::string text(FuzzedDataProvider& in, std::size_t max = 48) {
  return in.ConsumeRandomLengthString(max);
}

// Ordinary values most of the time, and the ones that break printers otherwise.
inline double number(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return in.ConsumeIntegralInRange<int>(-100000, 100000) / 1000.0;
    case 1:
      return in.ConsumeFloatingPoint<double>();
    case 2:
      return std::numeric_limits<double>::quiet_NaN();
    case 3:
      return in.ConsumeBool() ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    case 4:
      return in.ConsumeIntegralInRange<int>(-1000, 1000) * 1e-9;
    default:
      return static_cast<double>(in.ConsumeIntegral<std::int32_t>());
  }
}

inline std::optional<double> optional_number(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return std::nullopt;
  return number(in);
}

// Ranges come from parse_range in the checks; a fuzzed text that does not parse is kept
// as raw text anyway: the perfdata printer must stay safe whatever Range::text holds.
inline std::optional<Range> range(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return std::nullopt;
  const std::string t = text(in, 16);
  if (auto parsed = parse_range(t)) return *parsed;
  Range r;
  r.text = t;
  return r;
}

inline State state(FuzzedDataProvider& in) {
  return static_cast<State>(in.ConsumeIntegralInRange<int>(0, 3));
}

inline PerfDatum perf_datum(FuzzedDataProvider& in) {
  PerfDatum d;
  d.label = text(in);
  d.value = optional_number(in);
  d.uom = text(in, 4);
  d.warn = range(in);
  d.crit = range(in);
  d.min = optional_number(in);
  d.max = optional_number(in);
  return d;
}

inline FieldValue field_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return in.ConsumeIntegral<std::int64_t>();
    case 1:
      return number(in);
    case 2:
      return in.ConsumeBool();
    default:
      return text(in);
  }
}

// A metric named (or not) in each ecosystem, sometimes derived from the reason.
inline Metric metric(FuzzedDataProvider& in) {
  Metric m;
  if (in.ConsumeBool()) m.field = text(in, 16);
  if (in.ConsumeBool()) m.perf_label = text(in);
  m.unit = static_cast<Unit>(in.ConsumeIntegralInRange<int>(0, 4));
  if (in.ConsumeBool()) m.zabbix_key = text(in, 16);
  m.in_zabbix = in.ConsumeBool();
  m.min = optional_number(in);
  m.max = optional_number(in);
  m.perf_rank = in.ConsumeIntegralInRange<int>(-1, 1);
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) m.from_reason = &http_response_result_code;
  return m;
}

inline Result result(FuzzedDataProvider& in, int depth) {
  Result r;
  r.name = text(in);
  r.state = state(in);
  r.reason = text(in, 16);
  r.message = text(in, 96);
  for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) r.tags.emplace_back(text(in, 16), text(in, 16));
  for (int n = in.ConsumeIntegralInRange<int>(0, 5); n > 0; --n) {
    const Metric m = metric(in);
    std::optional<FieldValue> value;
    if (in.ConsumeIntegralInRange<int>(0, 4) != 0) value = field_value(in);
    const auto warn = range(in);
    r.add(m, std::move(value), warn, range(in));
  }
  if (depth > 0) {
    for (int n = in.ConsumeIntegralInRange<int>(0, 4); n > 0; --n) r.children.push_back(result(in, depth - 1));
  }
  return r;
}

inline Report report(FuzzedDataProvider& in) {
  Report rep;
  rep.label = text(in, 16);
  rep.measurement = text(in, 16);
  rep.timestamp_ns = in.ConsumeBool() ? 0 : in.ConsumeIntegral<std::int64_t>();
  rep.root = result(in, 2);
  return rep;
}

}  // namespace cfmon::fuzz
