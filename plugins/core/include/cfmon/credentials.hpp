#pragma once
// Where a service token comes from. Precedence, most explicit first:
//   client ID:     --client-id, then --env-file, then the environment
//   client secret: --client-secret-file, then --env-file, then the environment
// Variable names are CF_SERVICE_TOKEN_CLIENT_ID / _SECRET plus the --env-suffix.
// There is deliberately no way to pass the secret itself on the command line.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/dotenv.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/printable.hpp"
#include "cfmon/secret.hpp"

namespace cfmon {

struct ServiceToken {
  std::string client_id;
  Secret client_secret;
  std::string origin;  // where each part came from, for -v (never a value)
};

struct CredentialSources {
  std::optional<std::string> client_id;           // --client-id
  std::optional<std::string> client_secret_file;  // --client-secret-file
  std::optional<std::string> env_file;            // --env-file
  std::string env_suffix;                         // --env-suffix ("NEW" or "_NEW")
};

// Reads a process environment variable; injectable so tests and checks stay pure.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real environment (getenv).
EnvLookup process_environment();

// Names of the two variables for a suffix: {"CF_SERVICE_TOKEN_CLIENT_ID_NEW", ...}.
std::string client_id_variable(std::string_view suffix);
std::string client_secret_variable(std::string_view suffix);

// Resolves the token; a missing part is an error naming every place looked, a
// control character in either part an error that quotes neither. `warnings` is kept
// for notes to come (files are checked by check_file_trust, at start-up).
// The values read from the env file are wiped once the token is taken.
Expected<ServiceToken> resolve_service_token(const CredentialSources& sources, const EnvLookup& env,
                                             std::vector<std::string>* warnings = nullptr);

// Reads a one-value secret file (trailing whitespace and newlines dropped) through
// the bounded reader of every configuration file: at most 64 KiB, never blocking (a
// FIFO or device that sends nothing is an error after a moment); the text is wiped.
// `what` names the file and `noun` its value in errors ("API token file", "token").
Expected<Secret> read_secret_file(const std::string& path, std::string_view what = "client secret file",
                                  std::string_view noun = "secret");

// The one precedence of every credential, most explicit first: what an option gives
// (the caller's), then the variable in --env-file, then the same variable in the
// environment; an empty value counts as absent. The env file's values are wiped with
// the lookup, used or not.
class CredentialLookup {
 public:
  explicit CredentialLookup(EnvLookup env) : env_(std::move(env)) {}
  ~CredentialLookup();
  CredentialLookup(const CredentialLookup&) = delete;
  CredentialLookup& operator=(const CredentialLookup&) = delete;

  // Reads the env file (when given) once.
  std::optional<Error> read_env_file(const std::optional<std::string>& path);

  // `variable` from the env file, else from the environment; `origin` says where
  // ("VAR in FILE", "environment variable VAR").
  std::optional<std::string> find(const std::string& variable, std::string* origin = nullptr) const;

  // Notes a part found nowhere, naming every place looked: `option`, the variable in
  // the env file (when one is read) and in the environment.
  void not_found(std::string_view what, std::string_view option, const std::string& variable);

  // "<prefix><part> and <part>" when a part was not found.
  [[nodiscard]] std::optional<Error> missing(std::string_view prefix) const;

 private:
  EnvLookup env_;
  std::optional<std::string> env_file_;
  DotenvMap file_values_;
  std::vector<std::string> missing_;
};

// A file that decides where a secret goes (--targets-file, --env-file,
// --client-secret-file, --api-token-file): when group or others may write it, or a
// user other than us and root owns it, they choose where the token is sent, so it is
// refused with the chmod/chown to run, unless allow_shared (--allow-shared-files).
// A file that holds_secret and is readable by group or others adds a warning.
// Missing files and devices pass (the reader reports what is wrong with them).
std::optional<Error> check_file_trust(const std::string& path, std::string_view option, bool holds_secret,
                                      bool allow_shared, std::vector<std::string>* warnings);

// The --ca-file probe: a regular file we can open without blocking, at most max_bytes.
std::optional<Error> probe_regular_file(const std::string& path, std::string_view what, std::size_t max_bytes);

// Whether name is an HTTP header name (an RFC 9110 token: letters, digits and
// !#$%&'*+-.^_`|~), so nothing can be smuggled through it.
bool is_header_name(std::string_view name) noexcept;

// Non-empty warning when the file at `path` is readable by group or others.
std::optional<std::string> permission_warning(const std::string& path);

}  // namespace cfmon
