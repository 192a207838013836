#pragma once
// A dotenv reader that never executes anything: comments, `export `, single and
// double quotes, escapes inside double quotes, CRLF, a UTF-8 BOM; the last
// duplicate wins.
#include <map>
#include <string>
#include <string_view>

#include "cfmon/expected.hpp"

namespace cfmon {

using DotenvMap = std::map<std::string, std::string, std::less<>>;

// Parses text; an error names the line number (never the value, it may be a secret).
Expected<DotenvMap> parse_dotenv(std::string_view text);

// Reads and parses a file. Errors: missing, unreadable, a directory, larger than
// max_bytes, not text. Messages name the path, never a value.
Expected<DotenvMap> read_dotenv_file(const std::string& path, std::size_t max_bytes = 1 << 20);

}  // namespace cfmon
