#pragma once
// Which service tokens a check is about: --name, --id, --client-id (repeatable) and the client
// ID an --env-file holds; nothing selected means every token of the account. One rule for the
// whole family: a selected token that the API does not list is CRITICAL `token_missing` (it was
// deleted, or cleaned up by Cloudflare for inactivity), unless tokens the answer gives
// unreadable might be it (UNKNOWN `api_bad_response`: never a guess).
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/result.hpp"

namespace cfmon::plugin {

struct TokenSelector {
  enum class Kind { name, id, client_id };
  Kind kind = Kind::name;
  std::string value;
  std::string origin;  // how the user named it, for messages: "--name ci", "client ID … (… in .env)"
};

struct TokenSelectionOptions {
  std::vector<std::string> names;
  std::vector<std::string> ids;
  std::vector<std::string> client_ids;
  std::string env_suffix;
};

// Adds --name, --id, --client-id and --env-suffix to `group`; `verb` starts each help line
// ("select", "only").
void add_token_selection_options(boost::program_options::options_description& group, TokenSelectionOptions& options,
                                 std::string_view verb);

// The selectors, validated; with `env_file`, the client ID it holds
// (CF_SERVICE_TOKEN_CLIENT_ID[_SUFFIX]) is selected too.
Expected<std::vector<TokenSelector>> make_selectors(const TokenSelectionOptions& options,
                                                    const std::optional<std::string>& env_file);

struct TokenSelection {
  std::vector<const cloudflare::ServiceTokenInfo*> found;  // in list order of the selectors, no repeats
  std::vector<const TokenSelector*> missing;               // selectors nothing matched
  std::vector<std::size_t> unreadable;  // per missing selector: listed tokens whose key is unreadable
};

// No selectors: every token. The pointers point into `tokens`.
TokenSelection select_tokens(const std::vector<TokenSelector>& selectors,
                             const std::vector<cloudflare::ServiceTokenInfo>& tokens);

// What a person calls each token: its name, else its id, else its client ID, else its place in
// the answer; a name two tokens share gets "/" and the first 8 characters of the id.
std::vector<std::string> display_names(const std::vector<const cloudflare::ServiceTokenInfo*>& tokens,
                                       const std::vector<cloudflare::ServiceTokenInfo>& list);

// The child result of a selector nothing matched (see the rule at the top).
Result missing_token_result(const TokenSelector& selector, std::size_t unreadable);

}  // namespace cfmon::plugin
