#include "cfmon/tunnels.hpp"

#include <algorithm>

#include "api_client_impl.hpp"
#include "cfmon/printable.hpp"
#include "cfmon/service_tokens.hpp"
#include "cfmon/text_util.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;
using namespace internal;

// Reads the optional fields of one API object; each field of the wrong type or date
// that does not parse becomes a line in `problems` (naming the field, never its value).
class Fields {
 public:
  Fields(const Json& object, std::vector<std::string>& problems, std::string prefix = {})
      : object_(object), problems_(problems), prefix_(std::move(prefix)) {}

  std::string text(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return {};
    if (!it->is_string()) {
      wrong(key, *it, "a string");
      return {};
    }
    return it->get<std::string>();
  }

  std::optional<TimePoint> time(const char* key) const {
    const std::string raw = text(key);
    if (raw.empty()) return std::nullopt;
    auto t = parse_rfc3339(raw);
    if (!t) problems_.push_back("'" + prefix_ + key + "' is not an RFC 3339 time");
    return t;
  }

  std::optional<bool> flag(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) {
      wrong(key, *it, "true or false");
      return std::nullopt;
    }
    return it->get<bool>();
  }

  // An array field: nullptr when absent or null (a problem when of another type).
  const Json* array(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    if (!it->is_array()) {
      wrong(key, *it, "an array");
      return nullptr;
    }
    return &*it;
  }

 private:
  void wrong(const char* key, const Json& value, const char* expected) const {
    problems_.push_back("'" + prefix_ + key + "' is " + json_type_text(value) + ", not " + expected);
  }

  const Json& object_;
  std::vector<std::string>& problems_;
  std::string prefix_;
};

// A tunnel id goes into a URL path: only UUID characters.
std::optional<ApiError> refuse_tunnel_id(std::string_view id) {
  const bool safe = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
  if (safe) return std::nullopt;
  return make_api_error(ApiErrorKind::bad_request, "malformed tunnel ID '" + detail::printable(id) + "'");
}

constexpr ListWords kTunnelListWords{"tunnel list", "tunnel list", "tunnels", "tunnels"};

const char* const kTunnelFields[] = {
    "id", "name", "status", "config_src", "conns_active_at", "conns_inactive_at", "deleted_at"};

Json trimmed_tunnel(Json&& item) {
  if (!item.is_object()) return Json(item.type());
  Json out = Json::object();
  for (const char* key : kTunnelFields) {
    if (auto it = item.find(key); it != item.end()) out[key] = std::move(*it);
  }
  return out;
}

Op tunnel_read(std::string object = {}) {
  return Op{"Cloudflare Tunnel Read", std::move(object), false};
}

}  // namespace

Expected<TunnelInfo> parse_tunnel(const Json& object) {
  if (!object.is_object()) return make_error("a tunnel in the answer is " + json_type_text(object) + ", not an object");
  TunnelInfo t;
  const Fields f(object, t.problems);
  t.id = f.text("id");
  t.name = f.text("name");
  t.status = f.text("status");
  t.config_src = f.text("config_src");
  t.conns_active_at = f.time("conns_active_at");
  t.conns_inactive_at = f.time("conns_inactive_at");
  t.deleted_at = f.time("deleted_at");
  static const std::vector<std::string> kStatuses = {"inactive", "degraded", "healthy", "down"};
  if (!t.status.empty() && std::find(kStatuses.begin(), kStatuses.end(), t.status) == kStatuses.end()) {
    t.problems.push_back("'status' is not one of inactive, degraded, healthy, down");
  }
  return t;
}

Expected<TunnelConnector> parse_tunnel_connector(const Json& object) {
  if (!object.is_object()) {
    return make_error("a connector in the answer is " + json_type_text(object) + ", not an object");
  }
  TunnelConnector c;
  const Fields f(object, c.problems);
  c.id = f.text("id");
  c.version = f.text("version");
  c.arch = f.text("arch");
  c.run_at = f.time("run_at");
  if (const Json* conns = f.array("conns")) {
    for (std::size_t i = 0; i < conns->size(); ++i) {
      const Json& item = (*conns)[i];
      const std::string prefix = "conns[" + std::to_string(i) + "].";
      if (!item.is_object()) {
        c.problems.push_back("'" + prefix.substr(0, prefix.size() - 1) + "' is " + json_type_text(item) +
                             ", not an object");
        continue;
      }
      const Fields cf(item, c.problems, prefix);
      TunnelConnection conn;
      conn.id = cf.text("id");
      conn.colo_name = cf.text("colo_name");
      conn.client_version = cf.text("client_version");
      conn.opened_at = cf.time("opened_at");
      conn.is_pending_reconnect = cf.flag("is_pending_reconnect");
      c.conns.push_back(std::move(conn));
    }
  }
  if (c.version.empty() && !c.conns.empty()) c.version = c.conns.front().client_version;
  return c;
}

Expected<TunnelConfiguration> parse_tunnel_configuration(const Json& object) {
  if (!object.is_object()) {
    return make_error("the tunnel configuration is " + json_type_text(object) + ", not an object");
  }
  TunnelConfiguration out;
  const auto config = object.find("config");
  if (config == object.end() || config->is_null()) return out;  // no remote configuration
  if (!config->is_object()) {
    out.problems.push_back("'config' is " + json_type_text(*config) + ", not an object");
    return out;
  }
  const Fields f(*config, out.problems, "config.");
  if (const Json* ingress = f.array("ingress")) {
    for (std::size_t i = 0; i < ingress->size(); ++i) {
      const Json& item = (*ingress)[i];
      const std::string prefix = "config.ingress[" + std::to_string(i) + "].";
      if (!item.is_object()) {
        out.problems.push_back("'" + prefix.substr(0, prefix.size() - 1) + "' is " + json_type_text(item) +
                               ", not an object");
        continue;
      }
      const Fields rf(item, out.problems, prefix);
      out.ingress.push_back({rf.text("hostname"), rf.text("path"), rf.text("service")});
    }
  }
  return out;
}

bool ingress_serves(const IngressRule& rule, std::string_view host) {
  if (rule.hostname.empty()) return false;  // a catch-all serves no named hostname of its own
  const std::string want = lower(host);
  const std::string have = lower(rule.hostname);
  if (have == want) return true;
  if (have.starts_with("*.")) {
    const auto dot = want.find('.');
    return dot != std::string::npos && want.substr(dot) == have.substr(1);
  }
  return false;
}

ApiResult<std::vector<TunnelInfo>> ApiClient::list_tunnels() {
  if (auto e = impl_->check_config()) return *e;
  const auto deadline = impl_->transport.deadline();
  const std::string descriptor =
      "list cfd_tunnel is_deleted=false per_page=" + std::to_string(impl_->settings().per_page);
  auto raw = impl_->cache.read(descriptor, deadline, [&] {
    return impl_->transport.list_all(impl_->tunnels_path(), "&is_deleted=false", tunnel_read(), deadline,
                                     kTunnelListWords, [](Json&& item) { return trimmed_tunnel(std::move(item)); });
  });
  if (!raw) return raw.error();
  if (!raw->is_array()) return make_api_error(ApiErrorKind::bad_response, "the tunnel list is not an array");
  std::vector<TunnelInfo> tunnels;
  for (const auto& item : *raw) {
    auto t = parse_tunnel(item);
    if (!t) {
      TunnelInfo unreadable;
      unreadable.problems.push_back(t.error().message);
      tunnels.push_back(std::move(unreadable));
      continue;
    }
    tunnels.push_back(std::move(*t));
  }
  return tunnels;
}

ApiResult<std::vector<TunnelConnector>> ApiClient::tunnel_connectors(std::string_view tunnel_id) {
  if (auto e = impl_->check_config()) return *e;
  if (auto e = refuse_tunnel_id(tunnel_id)) return *e;
  const std::string url = impl_->tunnels_path() + "/" + std::string(tunnel_id) + "/connections";
  auto raw = impl_->read_result("get cfd_tunnel connections " + std::string(tunnel_id), url,
                                tunnel_read("tunnel " + detail::printable(tunnel_id, 64)));
  if (!raw) return raw.error();
  if (!raw->is_array()) {
    return make_api_error(ApiErrorKind::bad_response, "the connections answer of tunnel " +
                                                          detail::printable(tunnel_id, 64) + " has no result array");
  }
  std::vector<TunnelConnector> connectors;
  for (const auto& item : *raw) {
    auto c = parse_tunnel_connector(item);
    if (!c) {
      TunnelConnector unreadable;
      unreadable.problems.push_back(c.error().message);
      connectors.push_back(std::move(unreadable));
      continue;
    }
    connectors.push_back(std::move(*c));
  }
  return connectors;
}

ApiResult<TunnelConfiguration> ApiClient::tunnel_configuration(std::string_view tunnel_id) {
  if (auto e = impl_->check_config()) return *e;
  if (auto e = refuse_tunnel_id(tunnel_id)) return *e;
  const std::string url = impl_->tunnels_path() + "/" + std::string(tunnel_id) + "/configurations";
  auto raw = impl_->read_result("get cfd_tunnel configurations " + std::string(tunnel_id), url,
                                tunnel_read("tunnel " + detail::printable(tunnel_id, 64)));
  if (!raw) return raw.error();
  auto parsed = parse_tunnel_configuration(*raw);
  if (!parsed) return make_api_error(ApiErrorKind::bad_response, parsed.error().message);
  return std::move(*parsed);
}

}  // namespace cfmon::cloudflare
