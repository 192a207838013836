// The .env updater's pure part (apply_env_changes, quote_env_value) on arbitrary files
// and changes. A CLI that saves a secret shown only once must never lose it or anything
// else, so:
//   - any NUL-free UTF-8 value is written in a form that reads back exactly;
//   - on any file that reads, valid changes always apply (never "cannot be written");
//   - the result reads back as the old entries with the changes applied, and every byte
//     that is not a changed entry (other entries, comments, blank lines) stays, in order;
//   - applying the same changes again changes nothing;
//   - an error never contains a value.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/dotenv.hpp"
#include "env_file_writer.hpp"
#include "fuzz_support.hpp"

namespace {

using cfmon::fuzz::visible;

bool writable_value(std::string_view v) {
  return v.find('\0') == std::string_view::npos && cfmon::fuzz::valid_utf8(v);
}

bool valid_key(std::string_view key) {
  const auto start = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (key.empty() || !start(key.front())) return false;
  for (const char c : key) {
    if (!start(c) && !(c >= '0' && c <= '9') && c != '.') return false;
  }
  return true;
}

// An error must not carry a value: the same changes with each value swapped for a canary
// of the same kind (NUL-free UTF-8 or not) must give an error without the canary.
void check_no_value(std::string_view text, std::vector<cfmon::EnvChange> changes) {
  for (const auto& c : changes) {
    if (c.key.find("canary") != std::string::npos) return;  // keys are named in errors: fair
  }
  for (std::size_t i = 0; i < changes.size(); ++i) {
    auto& c = changes[i];
    if (!c.value) continue;
    const std::string_view v = c.value->reveal();
    std::string canary = "canary-" + std::to_string(i);
    if (v.find('\0') != std::string_view::npos) canary += '\0';
    if (!cfmon::fuzz::valid_utf8(v)) canary += '\xff';
    c.value = cfmon::Secret(canary);
  }
  const auto applied = cfmon::apply_env_changes(text, changes);
  CFMON_FUZZ_CHECK(!applied, "a value decided whether changes apply: " + visible(text));
  const std::string& message = applied.error().message;
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(message), visible(message));
  CFMON_FUZZ_CHECK(message.find("canary-") == std::string::npos, visible(message));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string text = in.ConsumeRandomLengthString(2048);
  const auto scanned = cfmon::scan_dotenv(text);

  std::vector<cfmon::EnvChange> changes;
  for (int n = in.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
    cfmon::EnvChange c;
    const int pick = in.ConsumeIntegralInRange<int>(0, 3);
    if (pick == 0 && scanned && !scanned->empty()) {
      c.key = (*scanned)[in.ConsumeIntegralInRange<std::size_t>(0, scanned->size() - 1)].key;
    } else if (pick == 1) {
      c.key = in.ConsumeBool() ? "CF_SERVICE_TOKEN_CLIENT_SECRET" : "CF_SERVICE_TOKEN_CLIENT_ID";
    } else {
      c.key = cfmon::fuzz::text(in, 24);
    }
    if (in.ConsumeIntegralInRange<int>(0, 4) != 0) c.value = cfmon::Secret(cfmon::fuzz::text(in, 96));
    changes.push_back(std::move(c));
  }

  // Quoting alone: every writable value reads back unchanged.
  for (const auto& c : changes) {
    if (!c.value || !writable_value(c.value->reveal())) continue;
    const std::string line = "K=" + cfmon::quote_env_value(c.value->reveal());
    const auto back = cfmon::parse_dotenv(line);
    CFMON_FUZZ_CHECK(back && back->count("K") == 1 && back->at("K") == c.value->reveal(), visible(line));
  }

  bool valid = scanned.has_value();
  for (const auto& c : changes) valid = valid && valid_key(c.key) && (!c.value || writable_value(c.value->reveal()));

  const auto applied = cfmon::apply_env_changes(text, changes);
  if (!applied) {
    check_no_value(text, changes);
    CFMON_FUZZ_CHECK(!valid, "valid changes refused: " + visible(applied.error().message) + " for " + visible(text));
    return 0;
  }
  CFMON_FUZZ_CHECK(valid, "invalid changes accepted for " + visible(text));
  const std::string& result = *applied;

  // Reads back as the old map with the changes applied (later changes win).
  auto expected = cfmon::parse_dotenv(text);
  CFMON_FUZZ_CHECK(expected.has_value(), visible(text));
  std::map<std::string, const cfmon::EnvChange*> final_change;
  for (const auto& c : changes) final_change[c.key] = &c;
  for (const auto& [key, c] : final_change) {
    if (c->value) {
      expected->insert_or_assign(key, std::string(c->value->reveal()));
    } else {
      expected->erase(key);
    }
  }
  const auto after = cfmon::parse_dotenv(result);
  CFMON_FUZZ_CHECK(after && *after == *expected, visible(text) + " -> " + visible(result));

  // Every byte outside the changed entries survives, in order: the unchanged entries as
  // written and the text between entries (comments, blank lines).
  std::vector<std::string_view> kept;
  std::size_t cursor = 0;
  for (const auto& e : *scanned) {
    kept.push_back(std::string_view(text).substr(cursor, e.begin - cursor));
    if (final_change.count(e.key) == 0) {
      // The line end of a last line may change when a key is appended after it.
      kept.push_back(std::string_view(text).substr(e.begin, e.value_end - e.begin));
    }
    cursor = e.end;
  }
  kept.push_back(std::string_view(text).substr(cursor));
  std::size_t at = 0;
  for (const auto piece : kept) {
    if (piece.empty()) continue;
    const auto found = result.find(piece, at);
    CFMON_FUZZ_CHECK(found != std::string::npos,
                     "lost " + visible(piece) + " of " + visible(text) + " -> " + visible(result));
    at = found + piece.size();
  }

  // Idempotent: the same changes again give the same text.
  const auto again = cfmon::apply_env_changes(result, changes);
  CFMON_FUZZ_CHECK(again && *again == result, visible(result));
  return 0;
}
