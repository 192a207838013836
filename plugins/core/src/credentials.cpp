#include "cfmon/credentials.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cfmon/dotenv.hpp"

namespace cfmon {
namespace {

std::string normalised_suffix(std::string_view suffix) {
  if (suffix.empty()) return {};
  if (suffix.front() == '_') return std::string(suffix);
  return "_" + std::string(suffix);
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

std::optional<std::string> permission_warning(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    return path + " is readable by group or others: chmod 600 it";
  }
  return std::nullopt;
}

Expected<Secret> read_secret_file(const std::string& path, std::vector<std::string>* warnings) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return make_error("cannot read client secret file " + path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return make_error("client secret file " + path + " is a directory");
  if (st.st_size > 64 * 1024) return make_error("client secret file " + path + " is too large to be a secret");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot read client secret file " + path + ": " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ' || value.back() == '\t')) {
    value.pop_back();
  }
  if (value.empty()) return make_error("client secret file " + path + " is empty");
  if (value.find('\n') != std::string::npos || value.find('\0') != std::string::npos) {
    return make_error("client secret file " + path + " must hold the secret alone on one line");
  }
  if (warnings != nullptr) {
    if (auto w = permission_warning(path)) warnings->push_back(*w);
  }
  return Secret(std::move(value));
}

Expected<ServiceToken> resolve_service_token(const CredentialSources& sources, const EnvLookup& env,
                                             std::vector<std::string>* warnings) {
  const std::string id_var = client_id_variable(sources.env_suffix);
  const std::string secret_var = client_secret_variable(sources.env_suffix);

  DotenvMap file_values;
  if (sources.env_file) {
    auto parsed = read_dotenv_file(*sources.env_file);
    if (!parsed) return parsed.error();
    file_values = std::move(*parsed);
    if (warnings != nullptr) {
      if (auto w = permission_warning(*sources.env_file)) warnings->push_back(*w);
    }
  }
  auto from_file = [&](const std::string& var) -> std::optional<std::string> {
    if (auto it = file_values.find(var); it != file_values.end() && !it->second.empty()) return it->second;
    return std::nullopt;
  };
  auto from_env = [&](const std::string& var) -> std::optional<std::string> {
    auto value = env ? env(var) : std::nullopt;
    if (value && value->empty()) return std::nullopt;
    return value;
  };

  ServiceToken token;
  std::vector<std::string> looked;

  std::string id_origin;
  std::string secret_origin;
  if (sources.client_id && !sources.client_id->empty()) {
    token.client_id = *sources.client_id;
    id_origin = "--client-id";
  } else if (auto v = from_file(id_var)) {
    token.client_id = *v;
    id_origin = id_var + " in " + *sources.env_file;
  } else if (auto e = from_env(id_var)) {
    token.client_id = *e;
    id_origin = "environment variable " + id_var;
  } else {
    std::string where = "--client-id";
    if (sources.env_file) where += ", " + id_var + " in " + *sources.env_file;
    where += ", environment variable " + id_var;
    looked.push_back("client ID (looked in " + where + ")");
  }

  if (sources.client_secret_file) {
    auto secret = read_secret_file(*sources.client_secret_file, warnings);
    if (!secret) return secret.error();
    token.client_secret = std::move(*secret);
    secret_origin = *sources.client_secret_file;
  } else if (auto v = from_file(secret_var)) {
    token.client_secret = Secret(std::move(*v));
    secret_origin = secret_var + " in " + *sources.env_file;
  } else if (auto e = from_env(secret_var)) {
    token.client_secret = Secret(std::move(*e));
    secret_origin = "environment variable " + secret_var;
  } else {
    std::string where = "--client-secret-file";
    if (sources.env_file) where += ", " + secret_var + " in " + *sources.env_file;
    where += ", environment variable " + secret_var;
    looked.push_back("client secret (looked in " + where + ")");
  }

  if (!looked.empty()) {
    std::string message = "missing service token ";
    for (std::size_t i = 0; i < looked.size(); ++i) message += (i ? " and " : "") + looked[i];
    return make_error(message);
  }
  token.origin = "client ID from " + id_origin + ", client secret from " + secret_origin;
  return token;
}

}  // namespace cfmon
