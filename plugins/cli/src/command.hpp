#pragma once
// A command of cf-service-token: its row in the command table (cli.cpp) and the
// options it parsed. Each command lives in its own file (list.cpp, create.cpp,
// rotate.cpp, refresh.cpp, delete.cpp, test.cpp) and exports its CommandCode.
#include <boost/program_options/options_description.hpp>
#include <optional>
#include <string>
#include <vector>

#include "access_options.hpp"
#include "cfmon/api_options.hpp"
#include "cfmon/plugin.hpp"
#include "cli.hpp"

namespace cfmon::cli {

// Everything the command line said, for every command (each fills its part).
struct Options {
  plugin::CommonConfig common;
  plugin::ApiOptions api;
  access::AccessOptions access;  // test: credentials and probe options
  bool help = false;
  bool json = false;
  bool yes = false;
  bool show_secret = false;
  bool overwrite = false;
  std::string name;
  std::string duration;
  std::optional<std::string> var_prefix;
  std::string grace;
  std::vector<std::string> verify;
  std::vector<std::string> positional;
  int verbosity = 0;
};

struct Command;
using AddOptions = void (*)(boost::program_options::options_description& group, Options& o);
using Handler = int (*)(CliContext& ctx, const Command& command, Options& o);

// What each command's file exports: the options it adds and its handler.
struct CommandCode {
  AddOptions add_options;  // nullptr: none of its own
  Handler run;
};
extern const CommandCode kList, kCreate, kRotate, kRefresh, kDelete, kTest;

struct Command {
  const char* name;
  const char* summary;        // one line, for the command list
  const char* usage;          // lines of at most 80 columns with "Usage: "
  const char* details;        // help text before the options; may be empty
  const char* env_file_help;  // what --env-file means to this command
  bool uses_api;              // takes the API options and needs API credentials
  bool writes_env_file;       // a --env-file that does not exist yet is where it writes
  const CommandCode& code;
};

}  // namespace cfmon::cli
