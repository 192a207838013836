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

#include "cfmon/expected.hpp"
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

// Resolves the token; a missing part is an error naming every place looked.
// `warnings` receives notes such as a credentials file readable by others.
Expected<ServiceToken> resolve_service_token(const CredentialSources& sources, const EnvLookup& env,
                                             std::vector<std::string>* warnings = nullptr);

// Reads a one-value secret file (trailing whitespace and newlines dropped).
Expected<Secret> read_secret_file(const std::string& path, std::vector<std::string>* warnings = nullptr);

// Non-empty warning when the file at `path` is readable by group or others.
std::optional<std::string> permission_warning(const std::string& path);

}  // namespace cfmon
