// Zabbix JSON, parsed back with nlohmann::json (what the JSONPath preprocessing sees):
//   - format(): one line of valid JSON; an object for one leaf, an array otherwise; the
//     fixed keys first; every string equal to its input when that was valid UTF-8 (else
//     still valid UTF-8); fields under their key with their type (non-finite: null);
//   - format_discovery(): an array with one object per entry, macros {#[A-Z0-9_.]+}.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "zabbix_formatter.hpp"

namespace {

using Json = nlohmann::ordered_json;
using cfmon::fuzz::visible;

// A string as JSON carries it: unchanged when valid UTF-8, otherwise repaired (U+FFFD).
void check_string(const Json& j, const std::string& input, const std::string& where) {
  CFMON_FUZZ_CHECK(j.is_string(), where);
  const auto& s = j.get_ref<const std::string&>();
  if (cfmon::fuzz::valid_utf8(input)) {
    CFMON_FUZZ_CHECK(s == input, where + ": " + visible(s) + " != " + visible(input));
  } else {
    CFMON_FUZZ_CHECK(cfmon::fuzz::valid_utf8(s) && s != input, where + ": " + visible(s));
  }
}

Json parse_one_line(const std::string& text) {
  CFMON_FUZZ_CHECK(!text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1, visible(text));
  Json j = Json::parse(text, nullptr, false);
  CFMON_FUZZ_CHECK(!j.is_discarded(), visible(text));
  return j;
}

void collect_leaves(const cfmon::Result& r, std::vector<const cfmon::Result*>& out) {
  if (r.children.empty()) {
    out.push_back(&r);
    return;
  }
  for (const auto& c : r.children) collect_leaves(c, out);
}

// `run`: the root when it is not the leaf; its fields (the API budget) follow the leaf's own.
void check_leaf(const Json& o, const cfmon::Result& leaf, const cfmon::Result* run) {
  CFMON_FUZZ_CHECK(o.is_object() && o.size() >= 5, o.dump());
  const char* fixed[] = {"name", "state", "state_text", "result", "message"};
  auto it = o.begin();
  for (const char* key : fixed) {
    CFMON_FUZZ_CHECK(it != o.end() && it.key() == key, o.dump());
    ++it;
  }
  check_string(o["name"], leaf.name, "name");
  CFMON_FUZZ_CHECK(o["state"] == static_cast<int>(leaf.state), o.dump());
  CFMON_FUZZ_CHECK(o["state_text"] == std::string(cfmon::state_name(leaf.state)), o.dump());
  check_string(o["result"], leaf.reason, "result");
  check_string(o["message"], leaf.message, "message");

  // Fields: the first of a key wins, the fixed keys are never overwritten.
  std::set<std::string> taken(std::begin(fixed), std::end(fixed));
  std::size_t expected_size = taken.size();
  auto fields = cfmon::fields_of(leaf);
  if (run != nullptr) {
    for (auto& f : cfmon::fields_of(*run)) fields.push_back(std::move(f));
  }
  for (const auto& f : fields) {
    const std::string& key = f.zabbix_key;
    if (key.empty() || !taken.insert(key).second) continue;
    ++expected_size;
    // A key that is not valid UTF-8 is repaired too; look it up only when it is not.
    if (!cfmon::fuzz::valid_utf8(key)) continue;
    CFMON_FUZZ_CHECK(o.contains(key), "missing " + visible(key) + " in " + o.dump());
    const Json& v = o[key];
    if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
      CFMON_FUZZ_CHECK(v.is_number_integer() && v.get<std::int64_t>() == *i, o.dump());
    } else if (const auto* d = std::get_if<double>(&f.value)) {
      if (std::isfinite(*d)) {
        CFMON_FUZZ_CHECK(v.is_number() && v.get<double>() == *d, o.dump());
      } else {
        CFMON_FUZZ_CHECK(v.is_null(), o.dump());
      }
    } else if (const auto* b = std::get_if<bool>(&f.value)) {
      CFMON_FUZZ_CHECK(v.is_boolean() && v.get<bool>() == *b, o.dump());
    } else {
      check_string(v, std::get<std::string>(f.value), "field " + visible(key));
    }
  }
  // Two invalid keys may be repaired into the same one: at most as many as written.
  CFMON_FUZZ_CHECK(o.size() <= expected_size, o.dump());
}

void check_format(const cfmon::Report& report) {
  const auto out = cfmon::zabbix::format(report);
  CFMON_FUZZ_CHECK(out.exit_code == 0, visible(out.text));
  const Json j = parse_one_line(out.text);
  std::vector<const cfmon::Result*> leaves;
  collect_leaves(report.root, leaves);
  const auto run_of = [&](const cfmon::Result* leaf) { return leaf == &report.root ? nullptr : &report.root; };
  if (leaves.size() == 1) {
    check_leaf(j, *leaves.front(), run_of(leaves.front()));
    return;
  }
  CFMON_FUZZ_CHECK(j.is_array() && j.size() == leaves.size(), visible(out.text));
  for (std::size_t i = 0; i < leaves.size(); ++i) check_leaf(j[i], *leaves[i], run_of(leaves[i]));
}

bool is_macro(const std::string& m) {
  if (m.size() < 4 || m.rfind("{#", 0) != 0 || m.back() != '}') return false;
  for (std::size_t i = 2; i + 1 < m.size(); ++i) {
    const char c = m[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

void check_discovery(FuzzedDataProvider& in) {
  std::vector<std::vector<std::pair<std::string, std::string>>> entries;
  for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
    auto& entry = entries.emplace_back();
    for (int k = in.ConsumeIntegralInRange<int>(0, 3); k > 0; --k) {
      entry.emplace_back(cfmon::fuzz::text(in, 16), cfmon::fuzz::text(in, 32));
    }
  }
  const auto out = cfmon::zabbix::format_discovery(entries);
  CFMON_FUZZ_CHECK(out.exit_code == 0, visible(out.text));
  const Json j = parse_one_line(out.text);
  CFMON_FUZZ_CHECK(j.is_array() && j.size() == entries.size(), visible(out.text));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::set<std::string> macros;
    for (const auto& [name, value] : entries[i]) {
      const std::string macro = cfmon::zabbix::discovery_macro(name);
      CFMON_FUZZ_CHECK(macro.empty() || is_macro(macro), visible(name) + " -> " + visible(macro));
      if (macro.empty() || !macros.insert(macro).second) continue;
      CFMON_FUZZ_CHECK(j[i].contains(macro), visible(out.text));
      check_string(j[i][macro], value, "macro " + macro);
    }
    CFMON_FUZZ_CHECK(j[i].size() == macros.size(), visible(out.text));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  check_format(cfmon::fuzz::report(in));
  check_discovery(in);
  return 0;
}
