// The .env reader on arbitrary text: never crashes; errors are one printable line that
// names a line; scan_dotenv agrees with parse_dotenv and its offsets describe the text;
// any value written double-quoted with the documented escapes reads back unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cfmon/dotenv.hpp"
#include "fuzz_support.hpp"

namespace {

using cfmon::fuzz::visible;

void check_error(const cfmon::Error& e) {
  CFMON_FUZZ_CHECK(e.message.rfind("line ", 0) == 0, visible(e.message));
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(e.message), visible(e.message));
}

void check_text(std::string_view text) {
  const auto parsed = cfmon::parse_dotenv(text);
  const auto scanned = cfmon::scan_dotenv(text);
  CFMON_FUZZ_CHECK(parsed.has_value() == scanned.has_value(), visible(text));
  if (!parsed) {
    check_error(parsed.error());
    CFMON_FUZZ_CHECK(parsed.error().message == scanned.error().message, visible(text));
    return;
  }
  std::size_t previous_end = 0;
  cfmon::DotenvMap last_wins;
  for (const auto& e : *scanned) {
    CFMON_FUZZ_CHECK(cfmon::is_dotenv_key(e.key), visible(e.key));
    CFMON_FUZZ_CHECK(previous_end <= e.begin && e.begin <= e.value_begin && e.value_begin <= e.value_end &&
                         e.value_end <= e.end && e.end <= text.size(),
                     visible(text));
    // An entry is whole lines: it ends at a line end or at the end of the text.
    CFMON_FUZZ_CHECK(e.end == text.size() || text[e.end - 1] == '\n', visible(text));
    CFMON_FUZZ_CHECK(text.substr(e.begin, e.value_begin - e.begin).find(e.key) != std::string_view::npos,
                     visible(text));
    previous_end = e.end;
    last_wins.insert_or_assign(e.key, e.value);
  }
  CFMON_FUZZ_CHECK(last_wins == *parsed, visible(text));

  // Every value the reader produced can be written back and read again unchanged.
  for (const auto& [key, value] : *parsed) {
    const auto again = cfmon::parse_dotenv(key + "=" + cfmon::dotenv_double_quoted(value) + "\n");
    CFMON_FUZZ_CHECK(again && again->size() == 1 && again->begin()->second == value, visible(value));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_text(text);

  // The input as a value: any NUL-free bytes survive the double-quoted form, with CRLF
  // and a BOM around it too.
  if (text.find('\0') == std::string_view::npos) {
    for (const std::string& file : {"KEY=" + cfmon::dotenv_double_quoted(text),
                                    "\xEF\xBB\xBF"
                                    "A=1\r\nexport KEY = " +
                                        cfmon::dotenv_double_quoted(text) + " # note\r\nB='x'\r\n"}) {
      const auto parsed = cfmon::parse_dotenv(file);
      CFMON_FUZZ_CHECK(parsed && parsed->count("KEY") == 1 && parsed->at("KEY") == text, visible(file));
    }
  }
  return 0;
}
