// cf-service-token list: the account's service tokens, as a table or JSON.
#include <algorithm>
#include <boost/program_options.hpp>
#include <ostream>

#include "session.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

void add_options(po::options_description& group, Options& o) {
  group.add_options()("json", po::bool_switch(&o.json), "print a JSON array instead of the table");
}

struct List final : Session {
  using Session::Session;

  int run() {
    if (!o_.positional.empty()) return fail(kExitUsage, "list takes no arguments");
    if (!connect()) return exit_code_;
    auto tokens = api_->list_service_tokens({});
    if (!tokens) return api_failure(tokens.error());
    for (const auto& t : *tokens) {
      if (!t.problems.empty()) {
        warn("token '" + printable(t.name.empty() ? t.id : t.name) + "' is listed unreadably: " + t.problems.front());
      }
    }
    std::sort(tokens->begin(), tokens->end(),
              [](const ServiceTokenInfo& a, const ServiceTokenInfo& b) { return a.name < b.name; });
    if (o_.json) {
      ctx_.out << tokens_json(*tokens).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else if (tokens->empty()) {
      ctx_.out << "no service tokens\n";
    } else {
      ctx_.out << format_token_table(*tokens, ctx_.now());
    }
    if (tokens->empty()) {
      warn(
          "the account lists no service tokens; if you expected some, the API token may lack "
          "Access: Service Tokens Read");
    }
    return kExitOk;
  }
};

}  // namespace

const CommandCode kList = {add_options, run_command<List>};

}  // namespace cfmon::cli
