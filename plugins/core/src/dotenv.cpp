#include "cfmon/dotenv.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "cfmon/tables.hpp"

#include "cfmon/text_util.hpp"

namespace cfmon {

namespace {

bool is_key_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_key_char(char c) noexcept {
  return is_key_start(c) || (c >= '0' && c <= '9') || c == '.';
}

// A cursor over the whole text: double-quoted values may cross line ends, so
// the parser cannot work on one line at a time.
class DotenvParser {
 public:
  explicit DotenvParser(std::string_view text) : text_(text) {}

  Expected<std::vector<DotenvEntry>> run() {
    std::vector<DotenvEntry> out;
    while (pos_ < text_.size()) {
      auto entry = parse_line();
      if (!entry) return entry.error();
      if (entry->has_key) out.push_back(std::move(entry->located));
    }
    return out;
  }

 private:
  struct Entry {
    bool has_key = false;
    DotenvEntry located;
  };

  Error fail(std::size_t line, std::string_view why) const {
    return make_error("line " + std::to_string(line) + ": " + std::string(why));
  }

  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return text_[pos_]; }
  bool at_line_end() const noexcept {
    return at_end() || peek() == '\n' || text_.substr(pos_, 2) == "\r\n" ||
           (peek() == '\r' && pos_ + 1 == text_.size());
  }
  void skip_blanks() noexcept {
    while (!at_end() && detail::is_blank(peek())) ++pos_;
  }
  // Moves past the current line end (LF, CRLF or end of text).
  void next_line() noexcept {
    const std::size_t nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++line_;
  }
  // After a value: only blanks, then an optional comment, then the line end.
  bool only_comment_left() noexcept {
    skip_blanks();
    if (!at_end() && peek() == '#') return true;
    return at_line_end();
  }

  Expected<Entry> parse_line() {
    const std::size_t line = line_;
    const std::size_t line_begin = pos_;
    skip_blanks();
    if (at_line_end() || peek() == '#') {
      next_line();
      return Entry{};
    }
    if (text_.substr(pos_, 6) == "export" && pos_ + 6 < text_.size() && detail::is_blank(text_[pos_ + 6])) {
      pos_ += 6;
      skip_blanks();
      if (at_line_end()) return fail(line, "'export' without KEY=VALUE");
    }

    // The key is only quoted in messages once it is known to be valid: a
    // malformed line may well be a pasted secret.
    const std::size_t key_begin = pos_;
    while (!at_end() && is_key_char(peek())) ++pos_;
    const std::string_view key = text_.substr(key_begin, pos_ - key_begin);
    if (key.empty()) {
      return fail(line, !at_end() && peek() == '=' ? "missing key before '='" : "expected KEY=VALUE");
    }
    if (!is_key_start(key.front()) || !(at_line_end() || peek() == '=' || detail::is_blank(peek()))) {
      return fail(line,
                  "invalid key (use letters, digits, '_' and '.', not starting with a digit "
                  "or '.')");
    }
    skip_blanks();
    if (at_line_end()) return fail(line, "expected KEY=VALUE, found no '='");
    if (peek() != '=') return fail(line, "expected '=' after the key");
    ++pos_;  // '='
    const std::string key_name(key);

    const std::size_t before_blanks = pos_;
    skip_blanks();
    const bool blank_after_equals = pos_ > before_blanks;

    Entry entry;
    entry.has_key = true;
    DotenvEntry& located = entry.located;
    located.key = key_name;
    located.begin = line_begin;
    located.value_begin = pos_;
    located.value_end = pos_;
    if (at_line_end()) {
      next_line();
      located.end = pos_;
      return entry;
    }
    const char first = peek();
    if (first == '\'') {
      ++pos_;
      const std::size_t close = text_.find('\'', pos_);
      const std::size_t nl = text_.find('\n', pos_);
      if (close == std::string_view::npos || (nl != std::string_view::npos && nl < close)) {
        return fail(line, "unterminated single quote in the value of " + key_name);
      }
      located.value = std::string(text_.substr(pos_, close - pos_));
      pos_ = close + 1;
      located.value_end = pos_;
      if (!only_comment_left()) {
        return fail(line_, "unexpected text after the closing quote of " + key_name);
      }
    } else if (first == '"') {
      ++pos_;
      if (!read_double_quoted(located.value)) {
        return fail(line, "unterminated double quote in the value of " + key_name);
      }
      located.value_end = pos_;
      if (!only_comment_left()) {
        return fail(line_, "unexpected text after the closing quote of " + key_name);
      }
    } else if (first == '#' && blank_after_equals) {
      // "KEY= # note": an empty value followed by a comment.
    } else {
      const std::size_t begin = pos_;
      std::size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view raw = text_.substr(begin, end - begin);
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      for (std::size_t i = 1; i < raw.size(); ++i) {
        if (raw[i] == '#' && detail::is_blank(raw[i - 1])) {
          raw = raw.substr(0, i);
          break;
        }
      }
      located.value = std::string(detail::trim_blanks(raw));
      located.value_end = begin + located.value.size();  // blanks before it were skipped
      pos_ = end;
    }
    next_line();
    located.end = pos_;
    return entry;
  }

  // pos_ is just past the opening quote. On success pos_ is past the closing
  // quote and line_ counts the line ends crossed.
  bool read_double_quoted(std::string& out) {
    while (!at_end()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return false;
        const char e = text_[pos_];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '$':
            out += '$';
            break;
          default:
            // Unknown escape: keep the backslash; the next character is read
            // normally (so a line end after it is still counted).
            out += '\\';
            continue;
        }
        ++pos_;
        continue;
      }
      if (c == '\r' && !at_end() && peek() == '\n') continue;  // CRLF -> LF
      if (c == '\n') ++line_;
      out += c;
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

Expected<std::vector<DotenvEntry>> scan_dotenv(std::string_view text) {
  const std::string_view body = detail::strip_bom(text);
  const std::size_t shift = text.size() - body.size();
  // NUL cannot live in an environment variable; refuse instead of truncating.
  if (const auto nul = body.find('\0'); nul != std::string_view::npos) {
    return make_error("line " + std::to_string(detail::line_of_offset(body, nul)) + ": contains a NUL byte");
  }
  auto entries = DotenvParser(body).run();
  if (!entries) return entries.error();
  for (auto& e : *entries) {
    e.begin += shift;
    e.value_begin += shift;
    e.value_end += shift;
    e.end += shift;
  }
  return entries;
}

Expected<DotenvMap> parse_dotenv(std::string_view text) {
  auto entries = scan_dotenv(text);
  if (!entries) return entries.error();
  DotenvMap out;
  for (auto& e : *entries) {
    // A duplicate's earlier value, and every moved-from string, is wiped, not just freed.
    if (auto it = out.find(e.key); it != out.end()) cleanse(it->second);
    out.insert_or_assign(std::move(e.key), std::move(e.value));
    cleanse(e.value);
  }
  return out;
}

Expected<DotenvMap> read_dotenv_file(const std::string& path, std::size_t max_bytes) {
  auto text = detail::read_text_file(path, max_bytes, "env file");
  if (!text) return text.error();
  auto parsed = parse_dotenv(*text);
  cleanse(*text);
  if (!parsed) {
    return make_error("env file '" + detail::printable(path, 200) + "': " + parsed.error().message);
  }
  return parsed;
}

void cleanse(DotenvMap& values) noexcept {
  for (auto& [key, value] : values) cleanse(value);
  values.clear();
}

bool is_dotenv_key(std::string_view key) noexcept {
  return !key.empty() && is_key_start(key.front()) && std::all_of(key.begin(), key.end(), is_key_char);
}

std::string dotenv_double_quoted(std::string_view value) {
  static constexpr std::array<CharEscape, 5> kEscapes{
      {{'\\', "\\\\"}, {'"', "\\\""}, {'\n', "\\n"}, {'\r', "\\r"}, {'$', "\\$"}}};
  return "\"" + escape_chars(value, kEscapes) + "\"";
}

}  // namespace cfmon
