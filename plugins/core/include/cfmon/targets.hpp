#pragma once
// Targets: what to probe. The targets file format is one target per line:
//   NAME URL            (whitespace separated; NAME has no spaces)
//   URL                 (name defaults to the URL's host[:port][path])
//   # comment, blank lines ignored; CRLF and a UTF-8 BOM accepted.
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/expected.hpp"

namespace cfmon {

struct Target {
  std::string name;
  std::string url;
};

// Validates that url is http(s)://host[:port][/path...] with no spaces or control chars.
Expected<Target> make_target(std::string name, std::string url);

// Default target name for a URL: host[:port][path] without scheme, "/" path dropped.
std::string default_target_name(std::string_view url);

// Parses a targets file's text; errors name the line number. Duplicate names are an error.
Expected<std::vector<Target>> parse_targets(std::string_view text);

Expected<std::vector<Target>> read_targets_file(const std::string& path);

}  // namespace cfmon
