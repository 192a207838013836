#pragma once
// check_cf_access --explain: the cause behind a failed probe, read from the Cloudflare API.
// The probe decides the state; the explanation only adds words to its line ("cause: ..."),
// and an API that fails only shortens them. Every lookup is made at most once per run.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/access_apps.hpp"
#include "cfmon/cloudflare_api.hpp"
#include "cfmon/result.hpp"

namespace cfmon::access {

// The probe reasons --explain looks into: the token's (login_redirect, token_rejected,
// token_invalid) and the tunnel's (tunnel_down, origin_unreachable).
bool explainable(std::string_view reason);

class Explainer {
 public:
  // `client_id` is the probe's; `now` judges expiry. The directories are usually one
  // ApiClient, bounded by the run's deadline.
  Explainer(cloudflare::TokenDirectory& tokens, cloudflare::AccessAppDirectory& apps,
            cloudflare::TunnelDirectory& tunnels, std::string client_id, cloudflare::TimePoint now);

  // One clause for the probe's line, "cause: ..." (or "cause unknown: ..." when the API
  // could not tell); nullopt when `reason` is not explainable.
  std::optional<std::string> cause(std::string_view reason, std::string_view url);

 private:
  std::string token_cause(std::string_view host, std::string_view path);
  std::string tunnel_cause(std::string_view host);
  const cloudflare::ServiceTokenInfo* token(std::string* problem);
  const std::vector<cloudflare::AccessAppInfo>* apps(std::string* problem);
  const std::vector<cloudflare::AccessPolicyInfo>* policies(const std::string& app_id, std::string* problem);

  cloudflare::TokenDirectory& token_api_;
  cloudflare::AccessAppDirectory& app_api_;
  cloudflare::TunnelDirectory& tunnel_api_;
  std::string client_id_;
  cloudflare::TimePoint now_;

  // Memos: a failure is kept too, so a dead API costs one call, not one per target.
  std::optional<Expected<std::optional<cloudflare::ServiceTokenInfo>>> token_;
  std::optional<Expected<std::vector<cloudflare::AccessAppInfo>>> apps_;
  std::map<std::string, Expected<std::vector<cloudflare::AccessPolicyInfo>>> policies_;
  std::map<std::string, std::string, std::less<>> tunnel_causes_;
};

}  // namespace cfmon::access
