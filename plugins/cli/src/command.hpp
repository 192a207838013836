#pragma once
// A command of cf-service-token: its row in the command table (cli.cpp) and the
// options it parsed. Each command lives in its own file (list.cpp, create.cpp,
// rotate.cpp, refresh.cpp, delete.cpp, test.cpp) and exports two functions: the
// options it adds to its help group and its handler.
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

struct Command {
  const char* name;
  const char* summary;        // one line, for the command list
  const char* usage;          // lines of at most 80 columns after "Usage: "
  const char* details;        // help text before the options; may be empty
  const char* env_file_help;  // what --env-file means to this command
  bool uses_api;              // takes the API options and needs API credentials
  bool writes_env_file;       // a --env-file that does not exist yet is where it writes
  AddOptions add_options;
  Handler run;
};

void list_options(boost::program_options::options_description& group, Options& o);
int run_list(CliContext& ctx, const Command& command, Options& o);
void create_options(boost::program_options::options_description& group, Options& o);
int run_create(CliContext& ctx, const Command& command, Options& o);
void rotate_options(boost::program_options::options_description& group, Options& o);
int run_rotate(CliContext& ctx, const Command& command, Options& o);
void refresh_options(boost::program_options::options_description& group, Options& o);
int run_refresh(CliContext& ctx, const Command& command, Options& o);
void delete_options(boost::program_options::options_description& group, Options& o);
int run_delete(CliContext& ctx, const Command& command, Options& o);
void test_options(boost::program_options::options_description& group, Options& o);
int run_test(CliContext& ctx, const Command& command, Options& o);

}  // namespace cfmon::cli
