#include "cfmon/credentials.hpp"

#include <pwd.h>
#include <sys/stat.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cfmon/dotenv.hpp"
#include "cfmon/text_util.hpp"

namespace cfmon {
namespace {

std::string normalised_suffix(std::string_view suffix) {
  if (suffix.empty()) return {};
  if (suffix.front() == '_') return std::string(suffix);
  return "_" + std::string(suffix);
}

// The name to give chown: the user running the check, by name when it has one.
std::string current_user() {
  const uid_t uid = ::geteuid();
  if (const passwd* pw = ::getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  return std::to_string(uid);
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string client_id_variable(std::string_view suffix) {
  return "CF_SERVICE_TOKEN_CLIENT_ID" + normalised_suffix(suffix);
}

std::string client_secret_variable(std::string_view suffix) {
  return "CF_SERVICE_TOKEN_CLIENT_SECRET" + normalised_suffix(suffix);
}

bool is_header_name(std::string_view name) noexcept {
  constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           symbols.find(c) != std::string_view::npos;
  });
}

std::optional<std::string> permission_warning(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    return path + " is readable by group or others: chmod 600 it";
  }
  return std::nullopt;
}

std::optional<Error> check_file_trust(const std::string& path, std::string_view option, bool holds_secret,
                                      bool allow_shared, std::vector<std::string>* warnings) {
  struct stat st {};
  // Missing files are the reader's to report; devices (/dev/null) hold nothing anyone wrote.
  if (::stat(path.c_str(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) return std::nullopt;
  const std::string shown = detail::printable(path, 200);
  const std::string named = std::string(option) + " '" + shown + "'";
  if (!allow_shared) {
    const char* const override_hint = " (or --allow-shared-files if that is really wanted)";
    if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
      return make_error(named + " is owned by another user (uid " + std::to_string(st.st_uid) +
                        "), who chooses where the token goes: chown " + current_user() + " " + shown + override_hint);
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      return make_error(named + " is writable by group or others, who could choose where the token goes: chmod go-w " +
                        shown + override_hint);
    }
  }
  if (holds_secret && warnings != nullptr && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    warnings->push_back(named + " holds a secret and is readable by group or others: chmod go-rwx " + shown);
  }
  return std::nullopt;
}

std::optional<Error> probe_regular_file(const std::string& path, std::string_view what, std::size_t max_bytes) {
  auto file = detail::open_small_file(path, max_bytes, what, true);
  if (!file) return file.error();
  return std::nullopt;
}

Expected<Secret> read_secret_file(const std::string& path, std::string_view what, std::string_view noun) {
  auto text = detail::read_text_file(path, std::size_t{64} * 1024, what);
  if (!text) return text.error();
  std::string value = std::move(*text);
  cleanse(*text);
  while (!value.empty() &&
         (value.back() == '\n' || value.back() == '\r' || value.back() == ' ' || value.back() == '\t')) {
    value.pop_back();
  }
  const std::string prefix = std::string(what) + " '" + detail::printable(path, 200) + "' ";
  if (value.empty()) return make_error(prefix + "is empty");
  if (value.find_first_of("\r\n") != std::string::npos) {
    cleanse(value);
    return make_error(prefix + "must hold the " + std::string(noun) + " alone on one line");
  }
  Secret secret(value);
  cleanse(value);
  return secret;
}

CredentialLookup::~CredentialLookup() {
  cleanse(file_values_);
}

std::optional<Error> CredentialLookup::read_env_file(const std::optional<std::string>& path) {
  if (!path) return std::nullopt;
  auto parsed = read_dotenv_file(*path);
  if (!parsed) return parsed.error();
  file_values_ = std::move(*parsed);
  env_file_ = path;
  return std::nullopt;
}

std::optional<std::string> CredentialLookup::find(const std::string& variable, std::string* origin) const {
  if (auto it = file_values_.find(variable); it != file_values_.end() && !it->second.empty()) {
    if (origin != nullptr) *origin = variable + " in " + *env_file_;
    return it->second;
  }
  auto value = env_ ? env_(variable) : std::nullopt;
  if (!value || value->empty()) return std::nullopt;
  if (origin != nullptr) *origin = "environment variable " + variable;
  return value;
}

void CredentialLookup::not_found(std::string_view what, std::string_view option, const std::string& variable) {
  std::string where(option);
  if (env_file_) where += ", " + variable + " in " + *env_file_;
  missing_.push_back(std::string(what) + " (looked in " + where + ", environment variable " + variable + ")");
}

std::optional<Error> CredentialLookup::missing(std::string_view prefix) const {
  if (missing_.empty()) return std::nullopt;
  std::string message(prefix);
  for (std::size_t i = 0; i < missing_.size(); ++i) message += (i ? " and " : "") + missing_[i];
  return Error{message};
}

Expected<ServiceToken> resolve_service_token(const CredentialSources& sources, const EnvLookup& env,
                                             std::vector<std::string>* /*warnings*/) {
  const std::string id_var = client_id_variable(sources.env_suffix);
  const std::string secret_var = client_secret_variable(sources.env_suffix);
  CredentialLookup lookup(env);
  if (auto e = lookup.read_env_file(sources.env_file)) return *e;

  ServiceToken token;
  std::string id_origin;
  std::string secret_origin;
  if (sources.client_id && !sources.client_id->empty()) {
    token.client_id = *sources.client_id;
    id_origin = "--client-id";
  } else if (auto v = lookup.find(id_var, &id_origin)) {
    token.client_id = std::move(*v);
  } else {
    lookup.not_found("client ID", "--client-id", id_var);
  }

  if (sources.client_secret_file) {
    auto secret = read_secret_file(*sources.client_secret_file);
    if (!secret) return secret.error();
    token.client_secret = std::move(*secret);
    secret_origin = *sources.client_secret_file;
  } else if (auto v = lookup.find(secret_var, &secret_origin)) {
    token.client_secret = Secret(std::move(*v));
  } else {
    lookup.not_found("client secret", "--client-secret-file", secret_var);
  }
  if (auto e = lookup.missing("missing service token ")) return *e;
  // Checked here, for every source, and never quoted: the value may be a pasted secret.
  if (has_control_characters(token.client_id)) return make_error("the client ID contains control characters");
  if (has_control_characters(token.client_secret.reveal())) {
    return make_error("the client secret contains control characters");
  }
  token.origin = "client ID from " + id_origin + ", client secret from " + secret_origin;
  return token;
}

}  // namespace cfmon
