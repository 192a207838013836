// cf-service-token: the command table, the help, and parsing the command line;
// each command's handler is in its own file (list.cpp, create.cpp, ...).
#include "cli.hpp"

#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <cstring>
#include <ostream>

#include "cfmon/api_options.hpp"
#include "cfmon/plugin.hpp"
#include "cfmon/version.hpp"
#include "command.hpp"
#include "token_view.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

const char* const kExitCodesHelp =
    "Exit codes:\n"
    "  0  done\n"
    "  1  the operation failed: API error, no such token, --verify or test found an\n"
    "     app that did not accept the token\n"
    "  2  usage or configuration error (bad option, missing API credentials, an\n"
    "     --env-file that cannot take the credentials, an ambiguous token name, no\n"
    "     confirmation)\n"
    "  3  the new secret could NOT be saved to --env-file: it was printed once on\n"
    "     stdout instead, copy it now (Cloudflare never shows it again)\n"
    "  4  aborted: the deletion was not confirmed\n";

po::options_description general_options(Options& o, const Command& command) {
  po::options_description g("General options");
  // clang-format off
  g.add_options()
    ("help,h", po::bool_switch(&o.help), "print this help")
    ("verbose,v", "more detail on stderr: API requests (-v), redacted HTTP trace (-vvv)")
    ("timeout,t", po::value(&o.common.timeout_seconds)->default_value(10.0, "10")->value_name("SECONDS"),
       "seconds allowed per API operation or probe")
    ("env-file", po::value<std::string>()->value_name("FILE"), command.env_file_help)
    ("ca-file", po::value(&o.common.ca_file)->value_name("FILE"), "CA bundle (PEM) to verify TLS with")
    ("insecure,k", po::bool_switch(&o.common.insecure), "do not verify TLS certificates")
    ("resolve", po::value(&o.common.resolve)->composing()->value_name("HOST:PORT:ADDR"),
       "as curl --resolve (repeatable)")
    ("ipv4,4", po::bool_switch(&o.common.ipv4), "use IPv4 only")
    ("ipv6,6", po::bool_switch(&o.common.ipv6), "use IPv6 only")
    ("user-agent,A", po::value(&o.common.user_agent)->value_name("TEXT"), "User-Agent header")
    ("allow-shared-files", po::bool_switch(&o.common.allow_shared_files),
       "accept credential files that others can write or own");
  // clang-format on
  return g;
}

const char* const kEnvFileOfApi = "dotenv file holding CF_API_TOKEN / CF_ACCOUNT_ID (never executed)";
const char* const kEnvFileToSave =
    "dotenv file the new credentials are saved to (created 0600 if missing); also read for CF_API_TOKEN / "
    "CF_ACCOUNT_ID";

// The commands: one row each, in help order; each handler in its own file.
// Help lines stay within 80 columns ("Usage: " included).
const std::array<Command, 6> kCommands = {{
    {"list", "list the account's service tokens", "cf-service-token list [--json] [options]",
     "Columns: name, client ID, expiry, last use, enabled. --json prints every field.\n", kEnvFileOfApi, true, false,
     kList},
    {"create", "create a token and save its credentials to --env-file",
     "cf-service-token create --name NAME [--duration 8760h|forever]\n"
     "        --env-file FILE [--var-prefix P] [--show-secret] [options]",
     "The new client ID and secret are written to --env-file (atomically, mode 0600,\n"
     "every other line kept) as <P>CF_SERVICE_TOKEN_CLIENT_ID and\n"
     "<P>CF_SERVICE_TOKEN_CLIENT_SECRET before anything else happens. Cloudflare shows\n"
     "a secret only once: when it cannot be saved it is printed once on stdout with a\n"
     "warning (exit 3). The secret is never printed otherwise, unless --show-secret.\n"
     "Without --env-file, --show-secret is required. Keys that hold another token's\n"
     "credentials are never overwritten without --overwrite.\n",
     kEnvFileToSave, true, true, kCreate},
    {"rotate", "give a token a new secret, save it, and verify it",
     "cf-service-token rotate ID|NAME [--grace DURATION] --env-file FILE\n"
     "        [--verify URL ...] [--var-prefix P] [--show-secret] [options]",
     "Without --grace the previous secret stops working at once; with --grace 24h it\n"
     "keeps working for that long (time to roll the new one out). The new secret is\n"
     "saved to the keys of --env-file that hold this token's client ID (any prefix or\n"
     "suffix), else to <P>CF_SERVICE_TOKEN_CLIENT_ID/_SECRET; then each --verify URL\n"
     "is probed with it.\n",
     kEnvFileToSave, true, true, kRotate},
    {"refresh", "extend a token's expiry by one year", "cf-service-token refresh ID|NAME [options]", "", kEnvFileOfApi,
     true, false, kRefresh},
    {"delete", "delete (revoke) a token and its --env-file credentials",
     "cf-service-token delete ID|NAME [--yes] [--env-file FILE] [options]",
     "Asks for confirmation on a terminal; without a terminal --yes is required. Every\n"
     "app refuses the token at once. With --env-file, the keys holding its client ID\n"
     "and the paired secret keys are removed from that file (everything else is kept).\n",
     "dotenv file to remove the token's credentials from; also read for CF_API_TOKEN / CF_ACCOUNT_ID", true, true,
     kDelete},
    {"test", "probe Access-protected apps with a service token",
     "cf-service-token test URL [URL ...] [--env-file FILE | --client-id ID\n"
     "        --client-secret-file FILE] [--env-suffix S] [options]",
     "One line per app: a check mark when Access let the token through and the app\n"
     "answered, a cross with the reason otherwise (the same verdicts as\n"
     "check_cf_access). Credentials as check_cf_access: --client-id, then\n"
     "CF_SERVICE_TOKEN_CLIENT_ID<S> in --env-file, then the environment; the secret\n"
     "likewise from --client-secret-file.\n",
     "dotenv file holding the token: CF_SERVICE_TOKEN_CLIENT_ID / _SECRET (never executed)", false, false, kTest},
}};

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// "list create rotate refresh delete test"
std::string command_names() {
  std::string names;
  for (const auto& c : kCommands) names += (names.empty() ? "" : " ") + std::string(c.name);
  return names;
}

void print_top_help(std::ostream& out) {
  out << kProgram << " " << kVersion << ": Cloudflare Access service tokens, never losing a secret\n\n"
      << "Usage: " << kProgram << " <command> [options]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    out << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << '\n';
  }
  out << "\nRun '" << kProgram << " <command> --help' for its options.\n\n"
      << plugin::kApiCredentialsHelp << '\n'
      << kExitCodesHelp;
}

void print_command_help(std::ostream& out, const Command& c, const po::options_description& visible) {
  out << kProgram << " " << c.name << ": " << c.summary << "\n\nUsage: " << c.usage << "\n\n";
  if (*c.details != '\0') out << c.details;
  out << visible << '\n';
  if (c.uses_api) out << plugin::kApiCredentialsHelp << '\n';
  out << "ID|NAME: a token's ID, client ID or name (a name shared by several tokens is\n"
         "refused).\n\n"
      << kExitCodesHelp;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, CliContext& ctx) {
  if (args.empty()) {
    ctx.err << "Usage: " << kProgram << " <command> [options]; commands: " << command_names() << '\n'
            << "Run '" << kProgram << " --help' for more.\n";
    return kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "-h" || first == "--help" || (first == "help" && args.size() == 1)) {
    print_top_help(ctx.out);
    return kExitOk;
  }
  if (first == "-V" || first == "--version") {
    ctx.out << kProgram << " " << kVersion << '\n';
    return kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::string command_name = first;
  if (first == "help") {
    command_name = args[1];
    rest = {"--help"};
  }
  const Command* command = find_command(command_name);
  if (command == nullptr) {
    ctx.err << kProgram << ": unknown command '" << printable(command_name, 40) << "'; commands: " << command_names()
            << '\n';
    return kExitUsage;
  }

  Options o;
  rest = plugin::take_verbosity(rest, o.verbosity);
  po::options_description visible;
  po::options_description own(std::string(command->name) + " options");
  if (command->code.add_options != nullptr) command->code.add_options(own, o);
  visible.add(own);
  visible.add(general_options(o, *command));
  if (command->uses_api) visible.add(plugin::api_options(o.api));
  po::options_description hidden;
  hidden.add_options()("arg", po::value(&o.positional)->composing());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("arg", -1);

  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(rest).options(all).positional(positional).style(plugin::command_line_style()).run(),
        vm);
    po::notify(vm);
  } catch (const po::error& e) {
    ctx.err << kProgram << " " << command->name << ": " << e.what() << "; see '" << kProgram << " " << command->name
            << " --help'\n";
    return kExitUsage;
  }
  if (o.help) {
    print_command_help(ctx.out, *command, visible);
    return kExitOk;
  }
  if (vm.count("env-file") != 0U) o.common.env_file = vm["env-file"].as<std::string>();
  if (vm.count("var-prefix") != 0U) o.var_prefix = vm["var-prefix"].as<std::string>();
  if (vm.count("client-id") != 0U) o.access.client_id = vm["client-id"].as<std::string>();
  if (vm.count("client-secret-file") != 0U) o.access.client_secret_file = vm["client-secret-file"].as<std::string>();
  if (command->uses_api) plugin::api_options_from(vm, o.api);
  if (o.common.user_agent.empty()) o.common.user_agent = std::string(kProgram) + "/" + kVersion + " (cfmon)";
  std::vector<std::string> warnings;
  auto error = plugin::validate_common(o.common);
  if (!error) error = plugin::check_input_files(vm, o.common.allow_shared_files, warnings);
  for (const auto& w : warnings) ctx.err << kProgram << " " << command->name << ": warning: " << w << '\n';
  if (error) {
    ctx.err << kProgram << " " << command->name << ": " << error->message << '\n';
    return kExitUsage;
  }
  return command->code.run(ctx, *command, o);
}

}  // namespace cfmon::cli
