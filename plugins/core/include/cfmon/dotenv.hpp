#pragma once
// A dotenv reader that never executes or expands anything.
//
// Grammar, line by line:
//   - blank lines and lines whose first non-blank character is '#' are skipped;
//   - [export ]KEY=VALUE, blanks (space, tab) allowed around KEY, '=' and VALUE;
//   - KEY matches [A-Za-z_][A-Za-z0-9_.]*;
//   - unquoted VALUE: the rest of the line, trimmed; a '#' preceded by a blank
//     starts a comment ("a#b" keeps the '#'); quotes inside it are literal;
//   - 'single quoted': literal, no escapes, must close on the same line;
//   - "double quoted": escapes \n \t \r \" \\ \$ are decoded, any other
//     backslash sequence is kept as written; may span lines (CRLF inside becomes
//     LF); only blanks and a '#' comment may follow the closing quote;
//   - `$(cmd)`, backticks and ${VAR} are kept literally in every form;
//   - CRLF line ends and a UTF-8 BOM at the start are accepted; NUL bytes are not;
//   - the last duplicate of a KEY wins.
// Errors name the line number (and the KEY once it is valid), never a value.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/expected.hpp"
#include "cfmon/secret.hpp"

namespace cfmon {

using DotenvMap = std::map<std::string, std::string, std::less<>>;

// Parses text; an error reads "line N: ..." and never contains a value.
Expected<DotenvMap> parse_dotenv(std::string_view text);

// One KEY=VALUE entry and where it sits in the text, for tools that edit a file
// without disturbing any other byte. Offsets index the text as given (a BOM
// included); [begin, end) is the whole entry with its line end.
struct DotenvEntry {
  std::string key;
  std::string value;            // decoded
  std::size_t begin = 0;        // start of the line: indentation and `export ` included
  std::size_t value_begin = 0;  // first byte of the value as written (an opening quote)
  std::size_t value_end = 0;    // one past the value as written (a closing quote)
  std::size_t end = 0;          // one past the line end (LF or CRLF), or the end of the text
};

// The entries of text in file order, duplicates included; same grammar and
// errors as parse_dotenv.
Expected<std::vector<DotenvEntry>> scan_dotenv(std::string_view text);

// Reads and parses a file. Errors are one line, start with "env file 'PATH': "
// and cover: no such file, permission denied, a directory, larger than
// max_bytes, UTF-16, a NUL byte or invalid UTF-8 (binary), then parse errors.
// The file's text is wiped once parsed; cleanse() the values once they are used.
Expected<DotenvMap> read_dotenv_file(const std::string& path, std::size_t max_bytes = 1 << 20);

// True when key is a KEY of the grammar: [A-Za-z_][A-Za-z0-9_.]*.
bool is_dotenv_key(std::string_view key) noexcept;

// value in the grammar's double-quoted form, escaping \\ \" \n \r \$: the reader
// decodes it back to value.
std::string dotenv_double_quoted(std::string_view value);

// Overwrites every value (secrets among them) and empties the map.
void cleanse(DotenvMap& values) noexcept;

// Cleanses a map when it goes out of scope, whichever way the scope is left.
struct CleanseOnExit {
  DotenvMap& values;
  ~CleanseOnExit() { cleanse(values); }
};

}  // namespace cfmon
