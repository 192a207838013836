#include "access_explain.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "cfmon/http.hpp"
#include "cfmon/printable.hpp"
#include "cfmon/time_text.hpp"
#include "cfmon/token_selection.hpp"
#include "tunnels_check.hpp"

namespace cfmon::access {
namespace {

using cloudflare::AccessAppInfo;
using cloudflare::AccessPolicyInfo;
using cloudflare::ServiceTokenInfo;

constexpr std::array kTokenReasons{std::string_view("login_redirect"), std::string_view("token_rejected"),
                                   std::string_view("token_invalid")};
constexpr std::array kTunnelReasons{std::string_view("tunnel_down"), std::string_view("origin_unreachable")};

bool among(std::string_view reason, const auto& reasons) {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

// Names the API gave: printable, bounded, quoted.
std::string in_quotes(std::string_view text) {
  return "'" + printable(text, 80, kQuotedTarget) + "'";
}

std::string token_name(const ServiceTokenInfo& t) {
  return in_quotes(t.name.empty() ? t.id : t.name);
}

std::string app_name(const AccessAppInfo& app) {
  return in_quotes(app.name.empty() ? (app.id.empty() ? app.domain : app.id) : app.name);
}

std::string policy_list(const std::vector<const AccessPolicyInfo*>& policies) {
  std::string text;
  for (const auto* p : policies) text += (text.empty() ? "" : ", ") + in_quotes(p->name.empty() ? p->id : p->name);
  return text;
}

std::string unknown(const std::string& what, const std::string& why) {
  return "cause unknown: " + what + " (" + printable(why, 160, kQuotedTarget) + ")";
}

}  // namespace

bool explainable(std::string_view reason) {
  return among(reason, kTokenReasons) || among(reason, kTunnelReasons);
}

Explainer::Explainer(cloudflare::TokenDirectory& tokens, cloudflare::AccessAppDirectory& apps,
                     cloudflare::TunnelDirectory& tunnels, std::string client_id, cloudflare::TimePoint now)
    : token_api_(tokens), app_api_(apps), tunnel_api_(tunnels), client_id_(std::move(client_id)), now_(now) {}

std::optional<std::string> Explainer::cause(std::string_view reason, std::string_view url) {
  if (!explainable(reason)) return std::nullopt;
  const auto where = http::host_and_path(std::string(url));
  if (!where) return unknown("the target's host", "not an http(s) URL");
  if (among(reason, kTunnelReasons)) return tunnel_cause(where->host);
  return token_cause(where->host, where->path);
}

const ServiceTokenInfo* Explainer::token(std::string* problem) {
  if (!token_) {
    auto list = token_api_.list_service_tokens({});
    if (!list) {
      token_.emplace(list.error().to_error());
    } else if (list->empty()) {
      // Without Access: Service Tokens Read Cloudflare may answer an empty list: never "deleted".
      token_.emplace(
          make_error("the API listed no service token at all: the API token may lack Access: Service "
                     "Tokens Read"));
    } else {
      const std::vector<plugin::TokenSelector> by_client_id{{plugin::TokenSelector::Kind::client_id, client_id_, ""}};
      const auto selection = plugin::select_tokens(by_client_id, *list);
      if (!selection.found.empty()) {
        token_.emplace(std::optional<ServiceTokenInfo>(*selection.found.front()));
      } else if (selection.unreadable.front() > 0) {
        token_.emplace(make_error("the API listed tokens it gave unreadable, the probe's may be among them"));
      } else {
        token_.emplace(std::optional<ServiceTokenInfo>());
      }
    }
  }
  if (!*token_) {
    *problem = token_->error().message;
    return nullptr;
  }
  const std::optional<ServiceTokenInfo>& found = token_->value();
  return found ? &*found : nullptr;
}

const std::vector<AccessAppInfo>* Explainer::apps(std::string* problem) {
  if (!apps_) {
    auto list = app_api_.list_access_apps();
    if (list && list->empty()) {
      apps_.emplace(
          make_error("the API listed no Access application at all: the API token may lack Access: Apps "
                     "and Policies Read"));
    } else if (list) {
      apps_.emplace(std::move(*list));
    } else {
      apps_.emplace(list.error().to_error());
    }
  }
  if (!*apps_) {
    *problem = apps_->error().message;
    return nullptr;
  }
  return &**apps_;
}

const std::vector<AccessPolicyInfo>* Explainer::policies(const std::string& app_id, std::string* problem) {
  auto found = policies_.find(app_id);
  if (found == policies_.end()) {
    auto list = app_api_.list_app_policies(app_id);
    found = list ? policies_.emplace(app_id, std::move(*list)).first
                 : policies_.emplace(app_id, list.error().to_error()).first;
  }
  if (!found->second) {
    *problem = found->second.error().message;
    return nullptr;
  }
  return &*found->second;
}

std::string Explainer::token_cause(std::string_view host, std::string_view path) {
  std::string problem;
  const ServiceTokenInfo* t = token(&problem);
  if (t == nullptr) {
    if (!problem.empty()) return unknown("cannot read the service tokens", problem);
    return "cause: no service token of the account has client ID " + printable(client_id_, 80, kQuotedTarget) +
           ": it was deleted (or belongs to another account)";
  }
  if (!t->enabled) return "cause: service token " + token_name(*t) + " is disabled";
  if (t->expires_at && *t->expires_at <= now_) {
    return "cause: service token " + token_name(*t) + " expired " + span_text(seconds_between(*t->expires_at, now_)) +
           " ago (" + format_rfc3339(*t->expires_at).substr(0, 10) + ")";
  }
  const auto* all = apps(&problem);
  if (all == nullptr)
    return unknown("token " + token_name(*t) + " is valid; cannot read the Access applications", problem);
  const AccessAppInfo* app = cloudflare::app_covering(*all, host, path);
  const std::string at = printable(std::string(host) + std::string(path), 120, kQuotedTarget);
  if (app == nullptr) {
    return "cause: no Access application of the account covers " + at + " (token " + token_name(*t) +
           " is valid): another account's application, or a rule that is not Access";
  }
  const auto* rules = policies(app->id, &problem);
  if (rules == nullptr) {
    return unknown("token " + token_name(*t) + " is valid; cannot read the policies of application " + app_name(*app),
                   problem);
  }
  const auto standing = cloudflare::token_standing(*rules, t->id);
  if (!standing.admitting.empty()) {
    return "cause not in the API: token " + token_name(*t) + " is valid and Service Auth policy " +
           policy_list(standing.admitting) + " of application " + app_name(*app) +
           " admits it: is the secret the current one (rotated)?";
  }
  if (!standing.allow_naming.empty()) {
    return "cause: token " + token_name(*t) + " is named only in Allow policy " + policy_list(standing.allow_naming) +
           " of application " + app_name(*app) +
           ": Access sends service tokens there to the login page; it needs a Service Auth policy";
  }
  return "cause: no Service Auth policy of application " + app_name(*app) + " includes token " + token_name(*t) +
         (rules->empty() ? " (it has no policies)" : "");
}

std::string Explainer::tunnel_cause(std::string_view host) {
  if (auto known = tunnel_causes_.find(host); known != tunnel_causes_.end()) return known->second;
  std::string line;
  auto tunnel = tunnels::tunnel_state_for_host(tunnel_api_, host, now_);
  if (!tunnel) {
    line = unknown("which tunnel serves " + std::string(host), tunnel.error().message);
  } else if (tunnel->state == State::ok) {
    line = "cause not in the API: tunnel " + in_quotes(tunnel->name) + " serving " + std::string(host) +
           " is healthy: the origin service behind it may be down";
  } else {
    line = "cause: tunnel " + in_quotes(tunnel->name) + " " + tunnel->message;
  }
  tunnel_causes_.emplace(std::string(host), line);
  return line;
}

}  // namespace cfmon::access
