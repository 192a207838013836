#include "cfmon/token_selection.hpp"

#include <map>
#include <set>

#include "cfmon/credentials.hpp"
#include "cfmon/dotenv.hpp"

namespace po = boost::program_options;

namespace cfmon::plugin {
namespace {

using cloudflare::ServiceTokenInfo;

const std::string& key_of(const TokenSelector& s, const ServiceTokenInfo& t) {
  switch (s.kind) {
    case TokenSelector::Kind::id:
      return t.id;
    case TokenSelector::Kind::client_id:
      return t.client_id;
    case TokenSelector::Kind::name:
      break;
  }
  return t.name;
}

}  // namespace

void add_token_selection_options(po::options_description& group, TokenSelectionOptions& o, std::string_view verb) {
  const std::string v(verb);
  // clang-format off
  group.add_options()
    ("name", po::value(&o.names)->composing()->value_name("NAME"), (v + " the token named NAME (repeatable)").c_str())
    ("id", po::value(&o.ids)->composing()->value_name("ID"), (v + " the token with this ID (repeatable)").c_str())
    ("client-id", po::value(&o.client_ids)->composing()->value_name("ID"),
       (v + " the token with this client ID (repeatable)").c_str())
    ("env-suffix", po::value(&o.env_suffix)->value_name("S"),
       "with --env-file: select CF_SERVICE_TOKEN_CLIENT_ID_<S> instead (e.g. NEW)");
  // clang-format on
}

Expected<std::vector<TokenSelector>> make_selectors(const TokenSelectionOptions& o,
                                                    const std::optional<std::string>& env_file) {
  std::vector<TokenSelector> selectors;
  const struct {
    TokenSelector::Kind kind;
    const std::vector<std::string>& values;
    const char* option;
  } given[] = {{TokenSelector::Kind::name, o.names, "--name"},
               {TokenSelector::Kind::id, o.ids, "--id"},
               {TokenSelector::Kind::client_id, o.client_ids, "--client-id"}};
  for (const auto& [kind, values, option] : given) {
    for (const auto& v : values) {
      if (v.empty() || v.find_first_of("\r\n") != std::string::npos) {
        return make_error(std::string(option) + " needs a non-empty one-line value");
      }
      selectors.push_back({kind, v, std::string(option) + " " + v});
    }
  }
  // "Is *my* token about to break?": the client ID the .env file holds.
  if (!o.env_suffix.empty() && !env_file) return make_error("--env-suffix needs --env-file");
  if (env_file) {
    auto values = read_dotenv_file(*env_file);
    if (!values) return values.error();
    const std::string var = client_id_variable(o.env_suffix);
    const auto it = values->find(var);
    if (it != values->end() && !it->second.empty()) {
      selectors.push_back({TokenSelector::Kind::client_id, it->second,
                           "client ID " + it->second + " (" + var + " in " + *env_file + ")"});
    } else if (!o.env_suffix.empty()) {
      return make_error(*env_file + " has no " + var);
    }
  }
  return selectors;
}

TokenSelection select_tokens(const std::vector<TokenSelector>& selectors, const std::vector<ServiceTokenInfo>& tokens) {
  TokenSelection s;
  if (selectors.empty()) {
    for (const auto& t : tokens) s.found.push_back(&t);
    return s;
  }
  std::set<const ServiceTokenInfo*> seen;
  for (const auto& selector : selectors) {
    bool any = false;
    std::size_t unreadable = 0;
    for (const auto& t : tokens) {
      if (!t.problems.empty() && key_of(selector, t).empty()) ++unreadable;
      if (key_of(selector, t) != selector.value) continue;
      any = true;
      if (seen.insert(&t).second) s.found.push_back(&t);
    }
    if (!any) {
      s.missing.push_back(&selector);
      s.unreadable.push_back(unreadable);
    }
  }
  return s;
}

std::vector<std::string> display_names(const std::vector<const ServiceTokenInfo*>& tokens,
                                       const std::vector<ServiceTokenInfo>& list) {
  // Names label perfdata and Zabbix objects: two tokens may share one, so add the id.
  std::map<std::string, int> name_count;
  for (const auto& t : list) ++name_count[t.name];
  std::vector<std::string> names;
  for (const auto* t : tokens) {
    std::string name = !t->name.empty() ? t->name : !t->id.empty() ? t->id : t->client_id;
    if (name.empty())
      name = "token #" + std::to_string(static_cast<std::size_t>(t - list.data()) + 1) + " of the answer";
    if (!t->name.empty() && name_count[t->name] > 1) name += "/" + t->id.substr(0, 8);
    names.push_back(std::move(name));
  }
  return names;
}

Result missing_token_result(const TokenSelector& selector, std::size_t unreadable) {
  Result r;
  r.name = selector.value;
  if (unreadable > 0) {
    r.state = State::unknown;
    r.reason = "api_bad_response";
    r.message = "no readable service token with " + selector.origin + ", but " + std::to_string(unreadable) +
                (unreadable == 1 ? " token" : " tokens") +
                " in the answer could not be read: cannot tell whether it exists";
  } else {
    r.state = State::critical;
    r.reason = "token_missing";
    r.message = "no service token with " + selector.origin +
                ": it may have been deleted, or cleaned up by Cloudflare for inactivity";
  }
  return r;
}

}  // namespace cfmon::plugin
