#pragma once
// Text from users or servers echoed into one line of output (a message, an error, a
// terminal table): control characters replaced and long text cut, so it can never
// break a line, a Nagios first line or a terminal. The one such helper of the family.
#include <cstddef>
#include <string>
#include <string_view>

namespace cfmon {

struct PrintStyle {
  char replacement = '?';  // what a control character (and '|' when bar_too) becomes
  bool bar_too = false;    // '|' too: the text ends up before a Nagios perfdata bar
  bool ellipsis = true;    // "..." after text that was cut
};

// Messages of the probe verdicts: no '|', blanks for what was dropped.
inline constexpr PrintStyle kVerdictText{' ', true, true};
// Target names and URLs quoted in errors: no '|', cut without a mark.
inline constexpr PrintStyle kQuotedTarget{'?', true, false};

// At most max_chars bytes of `text`, each byte below 0x20 or 0x7f (and '|' when
// style.bar_too) replaced by style.replacement, "..." appended when cut (style.ellipsis).
std::string printable(std::string_view text, std::size_t max_chars = 80, PrintStyle style = {});

// Whether text holds a control character (below 0x20, tab included, or DEL): in a
// header value CR and LF would inject headers, NUL would cut it.
bool has_control_characters(std::string_view text) noexcept;

// text percent-encoded for a URL query value or path segment: the RFC 3986 unreserved
// characters (letters, digits, "-._~") stay, every other byte becomes %XX.
std::string url_encode(std::string_view text);

}  // namespace cfmon
