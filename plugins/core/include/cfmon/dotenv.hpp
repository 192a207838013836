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

#include "cfmon/expected.hpp"

namespace cfmon {

using DotenvMap = std::map<std::string, std::string, std::less<>>;

// Parses text; an error reads "line N: ..." and never contains a value.
Expected<DotenvMap> parse_dotenv(std::string_view text);

// Reads and parses a file. Errors are one line, start with "env file 'PATH': "
// and cover: no such file, permission denied, a directory, larger than
// max_bytes, UTF-16, a NUL byte or invalid UTF-8 (binary), then parse errors.
Expected<DotenvMap> read_dotenv_file(const std::string& path, std::size_t max_bytes = 1 << 20);

}  // namespace cfmon
