#pragma once
// Targets: what to probe.
//
// Targets file, one target per line:
//   NAME URL     whitespace separated (spaces, tabs)
//   URL          the name defaults to default_target_name(URL)
//   # comment    lines whose first non-blank character is '#', and blank lines,
//                are skipped; after the URL, a field starting with '#' begins a
//                comment (URLs cannot contain blanks, so '#' inside a URL is fine)
// CRLF line ends and a UTF-8 BOM are accepted. Errors read "line N: ...".
// Names must be unique within a file.
//
// A URL is http(s)://host[:port][/path][?query][#fragment]: scheme http or https
// (any case), printable ASCII only (no blanks, no control characters, no
// non-ASCII: percent-encode paths, use punycode hosts), a host of letters,
// digits, '.', '-', '_' starting with a letter, digit or '_' (or a bracketed
// IPv6 literal), an optional port 1-65535, and no user:password@ (secrets never
// go in URLs: they end up in names, output and process listings).
//
// A NAME is 1-200 characters of letters, digits and . _ - : / starting with a
// letter, digit or '_', so it is safe as a perfdata label, an Influx tag, a
// Zabbix key parameter (UnsafeUserParameters=0) and a shell word.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/expected.hpp"

namespace cfmon {

struct Target {
  std::string name;
  std::string url;
};

// Validates url (see above) then name. Errors never repeat the whole URL (a
// query string may carry a token).
Expected<Target> make_target(std::string name, std::string url);

// Default target name for a URL: host[:port][path] without scheme, user info,
// query or fragment; a path of just "/" is dropped; characters not allowed in
// names become '_'; cut to 200 characters.
//   "https://app.example.com:8443/x/y" -> "app.example.com:8443/x/y"
//   "https://app.example.com/"         -> "app.example.com"
//   "https://[::1]:8443/a%20b?q=1"     -> "_::1_:8443/a_20b"
std::string default_target_name(std::string_view url);

// Parses a targets file's text; errors name the line number. Duplicate names
// are an error. Text without any target yields an empty vector.
Expected<std::vector<Target>> parse_targets(std::string_view text);

// Reads and parses a file; errors start with "targets file 'PATH': " and cover
// the same cases as read_dotenv_file (missing, permission denied, directory,
// too large, binary) plus parse errors.
Expected<std::vector<Target>> read_targets_file(const std::string& path, std::size_t max_bytes = 1 << 20);

}  // namespace cfmon
