#pragma once
// "Save the secret before anything else; print it once on failure."
//
// Cloudflare shows a service token's secret once, in the create or rotate answer.
// SecretFirst saves it to the --env-file (under the file's lock, atomically) before
// anything else of the answer is looked at: the answer's warnings and a missing
// client ID come after. When the save fails, the credentials are printed ONCE on
// stdout, under a banner, as KEY=value lines ready to paste (a client ID read back
// afterwards follows them), and the exit code says so (kExitNotPersisted). Nothing
// secret ever goes to stderr.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/dotenv.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/secret.hpp"
#include "cli.hpp"
#include "env_file_writer.hpp"
#include "token_view.hpp"

namespace cfmon::cli {

// Which keys of a .env a token's credentials go to (--var-prefix, --overwrite).
struct KeyChoice {
  std::optional<std::string> var_prefix;  // exactly <P>CF_SERVICE_TOKEN_CLIENT_ID / _SECRET
  bool overwrite = false;                 // may replace another token's credentials

  // With a var_prefix exactly those; otherwise the pairs already holding
  // client_id, else the default names.
  std::vector<EnvKeys> keys_in(const DotenvMap& env, std::string_view client_id) const;
  // The first of `keys` that holds another token's credentials (one line), or ""
  // (always "" with overwrite).
  std::string conflict_in(const DotenvMap& env, const std::vector<EnvKeys>& keys, std::string_view client_id) const;
};

// What would make saving to `path` fail, found before anything is created;
// `current` receives the file's entries (left empty when it does not exist yet).
std::optional<std::string> preflight_env_file(const std::string& path, DotenvMap& current);

// "ID_KEY, SECRET_KEY[, ID_KEY2, SECRET_KEY2 ...]", as the "saved to" lines show them.
std::string key_list(const std::vector<EnvKeys>& keys);

// The credentials as KEY=value lines a dotenv reader gives back exactly; an
// unknown client ID is a "# KEY: not in Cloudflare's answer" line instead.
void print_credentials(std::ostream& out, const std::vector<EnvKeys>& keys, const std::string& client_id,
                       const Secret& secret);

// The secret could not be saved: it was printed once; exit with this code.
struct NotSaved {
  int exit_code = kExitNotPersisted;
};

class SecretFirst {
 public:
  // who: "cf-service-token create", the start of the error lines on err.
  SecretFirst(std::ostream& out, std::ostream& err, std::string who, EnvWriteOptions write);

  // Reads the new token back (for its client ID, when the answer had none).
  using ReadBack = std::function<cloudflare::ApiResult<cloudflare::ServiceTokenInfo>()>;

  // Saves answer.client_secret, and client_id unless it is empty (an unknown client
  // ID is never written as an empty one), to the keys `choice` picks in the file
  // as it is under the lock (a concurrent edit cannot make us overwrite another
  // token's secret); then the answer's warnings follow on err. Returns the keys
  // written. Without an env_file there is nothing to save: the warnings, then
  // `printed_as`.
  // When the save fails: the error on err, the credentials once on out as
  // `printed_as` (the keys the caller expected), then, when client_id is empty,
  // the client ID `read_back` finds as the ID lines, then the answer's warnings.
  Expected<std::vector<EnvKeys>, NotSaved> save(const std::optional<std::string>& env_file, const KeyChoice& choice,
                                                const std::string& client_id, const cloudflare::CreatedToken& answer,
                                                const std::vector<EnvKeys>& printed_as,
                                                const ReadBack& read_back = {}) const;

  // After a save without a client ID: writes it beside the secret just saved, only
  // in the pairs whose secret is still ours and whose ID key is still empty.
  Expected<EnvWriteOutcome> complete_client_id(const std::string& path, const std::vector<EnvKeys>& keys,
                                               const std::string& client_id, const Secret& secret) const;

 private:
  Expected<std::vector<EnvKeys>> persist(const std::string& path, const KeyChoice& choice, const std::string& client_id,
                                         const Secret& secret) const;
  void print_secret_once(const std::vector<EnvKeys>& keys, const std::string& client_id, const Secret& secret,
                         const std::string& why) const;
  void warn(const std::string& message) const;

  std::ostream& out_;
  std::ostream& err_;
  std::string who_;
  EnvWriteOptions write_;
};

}  // namespace cfmon::cli
