#include "cfmon/cloudflare_settings.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "cfmon/printable.hpp"

namespace cfmon::cloudflare {

Expected<ApiCredentials> resolve_api_credentials(const ApiCredentialSources& sources, const EnvLookup& env,
                                                 std::vector<std::string>* /*warnings*/) {
  const std::string token_var(kApiTokenVariable);
  const std::string account_var(kAccountIdVariable);
  CredentialLookup lookup(env);
  if (auto e = lookup.read_env_file(sources.env_file)) return *e;

  ApiCredentials credentials;
  if (sources.api_token_file) {
    auto token = read_secret_file(*sources.api_token_file, "API token file", "token");
    if (!token) return token.error();
    credentials.api_token = std::move(*token);
  } else if (auto v = lookup.find(token_var)) {
    credentials.api_token = Secret(std::move(*v));
  } else {
    lookup.not_found("API token", "--api-token-file", token_var);
  }

  if (sources.account_id && !sources.account_id->empty()) {
    credentials.account_id = *sources.account_id;
  } else if (auto v = lookup.find(account_var)) {
    credentials.account_id = std::move(*v);
  } else {
    lookup.not_found("account ID", "--account-id", account_var);
  }
  if (auto e = lookup.missing("missing Cloudflare ")) return *e;
  return credentials;
}

std::vector<std::string> default_cache_dirs(const EnvLookup& env, unsigned uid) {
  auto get = [&](const char* name) -> std::string {
    auto v = env ? env(name) : std::nullopt;
    return v ? *v : std::string();
  };
  std::vector<std::string> dirs;
  // XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (const auto xdg = get("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/') {
    dirs.push_back(xdg + "/cfmon");
  } else if (const auto home = get("HOME"); !home.empty() && home.front() == '/') {
    dirs.push_back(home + "/.cache/cfmon");
  }
  dirs.push_back("/var/cache/cfmon/" + std::to_string(uid));
  auto tmp = get("TMPDIR");
  if (tmp.empty() || tmp.front() != '/') tmp = "/tmp";
  while (tmp.size() > 1 && tmp.back() == '/') tmp.pop_back();
  dirs.push_back(tmp + "/cfmon-" + std::to_string(uid));
  return dirs;
}

ApiSettings for_whole_run(ApiSettings settings) {
  settings.deadline = std::chrono::steady_clock::now() + settings.timeout;
  return settings;
}

std::optional<Error> validate_settings(const ApiSettings& s) {
  if (s.per_page < 1 || s.per_page > kMaxPerPage) {
    return Error{"--per-page must be between 1 and " + std::to_string(kMaxPerPage) + " (the API's maximum)"};
  }
  if (s.max_pages < 1) return Error{"the page limit must be at least 1"};
  if (s.timeout <= std::chrono::milliseconds::zero()) return Error{"the API timeout must be positive"};
  const std::string_view url = s.base_url;
  if (!url.starts_with("https://") || url.size() <= 8) {
    // The API token travels in a header: never in clear text.
    return Error{"--api-url must be an https:// URL, not '" + printable(url) + "'"};
  }
  if (url.find_first_of(" \t\r\n?#") != std::string_view::npos) {
    return Error{"--api-url must be a base URL without spaces, query or fragment"};
  }
  const auto& account = s.credentials.account_id;
  if (account.empty()) return Error{"missing Cloudflare account ID"};
  if (account.size() > 64 || !std::all_of(account.begin(), account.end(),
                                          [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
    return Error{"the account ID must be letters and digits (32 hex characters), not '" + printable(account) + "'"};
  }
  const auto token = s.credentials.api_token.reveal();
  if (token.empty()) return Error{"missing Cloudflare API token"};
  if (std::any_of(token.begin(), token.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x21 || u == 0x7f;
      })) {
    return Error{"the API token contains spaces or control characters"};
  }
  if (s.max_response_bytes < 1024) return Error{"the response size cap must be at least 1024 bytes"};
  return std::nullopt;
}

ApiHooks with_defaults(ApiHooks hooks) {
  if (!hooks.steady_now) hooks.steady_now = [] { return std::chrono::steady_clock::now(); };
  if (!hooks.wall_now) hooks.wall_now = [] { return std::chrono::system_clock::now(); };
  if (!hooks.sleep) hooks.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  return hooks;
}

}  // namespace cfmon::cloudflare
