#include "tunnels.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "config.hpp"
#include "random_text.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;

json failure(int status_code, const std::string& message) {
  return json{{"success", false},
              {"errors", json::array({{{"code", status_code}, {"message", message}}})},
              {"messages", json::array()},
              {"result", nullptr}};
}

json success(json result) {
  return json{{"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", std::move(result)}};
}

TunnelAnswer not_found(const std::string& what) {
  return {404, failure(1003, "Tunnel not found: " + what), "tunnel not_found"};
}

TunnelAnswer bad_request(const std::string& what) {
  return {400, failure(1001, what), "tunnel bad_request"};
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw ConfigError(where + ": " + what);
}

std::string string_field(const json& object, const char* key, const std::string& where, std::string fallback = {}) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) fail(where, std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

std::optional<TimePoint> time_field(const json& object, const char* key, const std::string& where) {
  const std::string text = string_field(object, key, where);
  if (text.empty()) return std::nullopt;
  auto t = parse_rfc3339(text);
  if (!t) fail(where, std::string("\"") + key + "\" must be an RFC 3339 time");
  return t;
}

int int_field(const json& object, const char* key, const std::string& where, int fallback) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) fail(where, std::string("\"") + key + "\" must be an integer");
  return it->get<int>();
}

// A UUID-shaped id, unique enough for the emulator's lifetime.
std::string fresh_uuid() {
  const std::string hex = random_ray_id() + random_ray_id();  // 32 hex characters
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-8" + hex.substr(17, 3) + "-" +
         hex.substr(20, 12);
}

TunnelConnector make_connector(const std::string& id, const std::string& version, const std::vector<std::string>& colos,
                               int connections, TimePoint now) {
  TunnelConnector c;
  c.id = id.empty() ? fresh_uuid() : id;
  c.version = version;
  c.run_at = now;
  for (int i = 0; i < connections; ++i) {
    TunnelConnection conn;
    conn.id = fresh_uuid();
    conn.colo_name = colos.empty() ? "AMS" : colos[static_cast<std::size_t>(i) % colos.size()];
    conn.opened_at = now;
    conn.origin_ip = "203.0.113.10";
    c.conns.push_back(std::move(conn));
  }
  return c;
}

TunnelConnector parse_connector(const json& object, const std::string& where, TimePoint now) {
  if (!object.is_object()) fail(where, "must be a JSON object");
  TunnelConnector c;
  c.id = string_field(object, "id", where, fresh_uuid());
  c.arch = string_field(object, "arch", where, c.arch);
  c.version = string_field(object, "version", where, "2026.7.0");
  c.config_version = int_field(object, "config_version", where, 1);
  c.run_at = time_field(object, "run_at", where).value_or(now);
  const auto conns = object.find("conns");
  if (conns == object.end() || !conns->is_array()) fail(where, "\"conns\" must be an array");
  for (std::size_t i = 0; i < conns->size(); ++i) {
    const json& item = (*conns)[i];
    const std::string at = where + ".conns[" + std::to_string(i) + "]";
    if (!item.is_object()) fail(at, "must be a JSON object");
    TunnelConnection conn;
    conn.id = string_field(item, "id", at, fresh_uuid());
    conn.colo_name = string_field(item, "colo_name", at, "AMS");
    conn.opened_at = time_field(item, "opened_at", at).value_or(c.run_at);
    conn.origin_ip = string_field(item, "origin_ip", at, "203.0.113.10");
    if (const auto p = item.find("is_pending_reconnect"); p != item.end() && !p->is_null()) {
      if (!p->is_boolean()) fail(at, "\"is_pending_reconnect\" must be true or false");
      conn.is_pending_reconnect = p->get<bool>();
    }
    c.conns.push_back(std::move(conn));
  }
  return c;
}

int active_connections(const TunnelConnector& c) {
  return static_cast<int>(std::count_if(c.conns.begin(), c.conns.end(), [](const TunnelConnection& conn) {
    return !conn.is_pending_reconnect.value_or(false);
  }));
}

int active_connections(const TunnelConfig& t) {
  int n = 0;
  for (const auto& c : t.connectors) n += active_connections(c);
  return n;
}

// Dates the schema describes as null-able but does not mark nullable: absent, never null.
void put_time(json& j, const char* key, const std::optional<TimePoint>& t) {
  if (t) j[key] = format_rfc3339(*t);
}

json connector_json(const TunnelConnector& c) {
  json conns = json::array();
  for (const auto& conn : c.conns) {
    json j = {{"id", conn.id},
              {"uuid", conn.id},
              {"client_id", c.id},
              {"client_version", c.version},
              {"colo_name", conn.colo_name},
              {"opened_at", format_rfc3339(conn.opened_at)},
              {"origin_ip", conn.origin_ip}};
    if (conn.is_pending_reconnect) j["is_pending_reconnect"] = *conn.is_pending_reconnect;
    conns.push_back(std::move(j));
  }
  return json{{"id", c.id},
              {"arch", c.arch},
              {"version", c.version},
              {"config_version", c.config_version},
              {"features", json::array({"ha-origin"})},
              {"run_at", format_rfc3339(c.run_at)},
              {"conns", std::move(conns)}};
}

json tunnel_json(const TunnelConfig& t, const std::string& account_id) {
  json j = {{"id", t.id},
            {"account_tag", account_id},
            {"name", t.name},
            {"status", tunnel_status(t)},
            {"tun_type", "cfd_tunnel"},
            {"config_src", t.config_src},
            {"remote_config", t.config_src == "cloudflare"},
            {"connections", json::array()},  // deprecated: "will start returning an empty array"
            {"created_at", format_rfc3339(t.created_at)},
            {"metadata", json::object()}};
  put_time(j, "conns_active_at", t.conns_active_at);
  put_time(j, "conns_inactive_at", t.conns_inactive_at);
  put_time(j, "deleted_at", t.deleted_at);
  return j;
}

json configuration_json(const TunnelConfig& t, const std::string& account_id) {
  json ingress = json::array();
  for (const auto& rule : t.ingress) {
    json r = {{"service", rule.service}};
    if (!rule.hostname.empty()) r["hostname"] = rule.hostname;
    if (!rule.path.empty()) r["path"] = rule.path;
    ingress.push_back(std::move(r));
  }
  return json{{"account_id", account_id},
              {"tunnel_id", t.id},
              {"version", t.config_version},
              {"source", t.config_src},
              {"created_at", format_rfc3339(t.created_at)},
              {"config", {{"ingress", std::move(ingress)}}}};
}

std::optional<int> positive_number(const std::string& text) {
  int value = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

}  // namespace

std::string tunnel_status(const TunnelConfig& t) {
  if (active_connections(t) == 0) return t.conns_active_at ? "down" : "inactive";
  for (const auto& c : t.connectors) {
    if (active_connections(c) < kConnectionsPerConnector) return "degraded";
  }
  return "healthy";
}

std::vector<TunnelConfig> parse_tunnels(const json& array, TimePoint now) {
  if (!array.is_array()) fail("tunnels", "must be an array");
  std::vector<TunnelConfig> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string where = "tunnels[" + std::to_string(i) + "]";
    const json& object = array[i];
    if (!object.is_object()) fail(where, "must be a JSON object");
    TunnelConfig t;
    t.id = string_field(object, "id", where);
    t.name = string_field(object, "name", where);
    if (t.id.empty() || t.name.empty()) fail(where, "\"id\" and \"name\" are required");
    t.config_src = string_field(object, "config_src", where, t.config_src);
    if (t.config_src != "cloudflare" && t.config_src != "local") {
      fail(where, "\"config_src\" must be \"cloudflare\" or \"local\"");
    }
    t.created_at = time_field(object, "created_at", where).value_or(now);
    t.deleted_at = time_field(object, "deleted_at", where);
    t.conns_active_at = time_field(object, "conns_active_at", where);
    t.conns_inactive_at = time_field(object, "conns_inactive_at", where);
    t.config_version = int_field(object, "config_version", where, 1);
    if (const auto it = object.find("connectors"); it != object.end() && !it->is_null()) {
      if (!it->is_array()) fail(where, "\"connectors\" must be an array");
      for (std::size_t k = 0; k < it->size(); ++k) {
        t.connectors.push_back(parse_connector((*it)[k], where + ".connectors[" + std::to_string(k) + "]", now));
      }
    }
    if (const auto it = object.find("ingress"); it != object.end() && !it->is_null()) {
      if (!it->is_array()) fail(where, "\"ingress\" must be an array");
      for (std::size_t k = 0; k < it->size(); ++k) {
        const std::string at = where + ".ingress[" + std::to_string(k) + "]";
        if (!(*it)[k].is_object()) fail(at, "must be a JSON object");
        IngressRule rule{string_field((*it)[k], "hostname", at), string_field((*it)[k], "path", at),
                         string_field((*it)[k], "service", at)};
        if (rule.service.empty()) fail(at, "\"service\" is required");
        t.ingress.push_back(std::move(rule));
      }
    }
    if (active_connections(t) > 0 && !t.conns_active_at) t.conns_active_at = now;
    if (active_connections(t) > 0) t.conns_inactive_at.reset();
    if (std::any_of(out.begin(), out.end(), [&](const TunnelConfig& o) { return o.id == t.id || o.name == t.name; })) {
      fail(where, "duplicate tunnel id or name");
    }
    out.push_back(std::move(t));
  }
  return out;
}

TunnelStore::TunnelStore(std::vector<TunnelConfig> tunnels, std::string account_id, int default_per_page)
    : tunnels_(std::move(tunnels)), account_id_(std::move(account_id)), default_per_page_(default_per_page) {}

TunnelConfig* TunnelStore::find(std::string_view id_or_name) {
  for (auto& t : tunnels_) {
    if (t.id == id_or_name || t.name == id_or_name) return &t;
  }
  return nullptr;
}

std::vector<TunnelConfig> TunnelStore::snapshot() const {
  std::lock_guard lock(mutex_);
  return tunnels_;
}

TunnelAnswer TunnelStore::api(const std::vector<std::string_view>& segments,
                              const std::map<std::string, std::string>& params) const {
  std::lock_guard lock(mutex_);
  if (segments.size() == 1) {
    int per_page = default_per_page_;
    int page = 1;
    if (auto it = params.find("per_page"); it != params.end()) {
      const auto v = positive_number(it->second);
      if (!v || *v > 1000) return bad_request("per_page must be a number from 1 to 1000");
      per_page = *v;
    }
    if (auto it = params.find("page"); it != params.end()) {
      const auto v = positive_number(it->second);
      if (!v) return bad_request("page must be a number of at least 1");
      page = *v;
    }
    std::optional<bool> deleted;
    if (auto it = params.find("is_deleted"); it != params.end() && !it->second.empty()) {
      if (it->second != "true" && it->second != "false") return bad_request("is_deleted must be true or false");
      deleted = it->second == "true";
    }
    const auto name = params.find("name");
    const auto uuid = params.find("uuid");
    std::vector<const TunnelConfig*> matching;
    for (const auto& t : tunnels_) {
      if (deleted && t.deleted_at.has_value() != *deleted) continue;
      if (name != params.end() && !name->second.empty() && t.name != name->second) continue;
      if (uuid != params.end() && !uuid->second.empty() && t.id != uuid->second) continue;
      matching.push_back(&t);
    }
    const auto total = static_cast<int>(matching.size());
    const auto first = std::min<std::int64_t>(static_cast<std::int64_t>(page - 1) * per_page, total);
    const auto last = std::min<std::int64_t>(first + per_page, total);
    json result = json::array();
    for (auto i = first; i < last; ++i)
      result.push_back(tunnel_json(*matching[static_cast<std::size_t>(i)], account_id_));
    json body = success(std::move(result));
    body["result_info"] = {{"count", last - first}, {"page", page}, {"per_page", per_page}, {"total_count", total}};
    return {200, std::move(body), "tunnel list " + std::to_string(last - first)};
  }
  const std::string id(segments[1]);
  const TunnelConfig* t = nullptr;
  for (const auto& candidate : tunnels_) {
    if (candidate.id == id) t = &candidate;
  }
  if (t == nullptr) return not_found(id);
  if (segments.size() == 2) return {200, success(tunnel_json(*t, account_id_)), "tunnel get"};
  if (segments.size() == 3 && segments[2] == "connections") {
    json result = json::array();
    for (const auto& c : t->connectors) result.push_back(connector_json(c));
    return {200, success(std::move(result)), "tunnel connections " + std::to_string(t->connectors.size())};
  }
  if (segments.size() == 3 && segments[2] == "configurations") {
    return {200, success(configuration_json(*t, account_id_)), "tunnel configuration"};
  }
  if (segments.size() == 4 && segments[2] == "connectors") {
    for (const auto& c : t->connectors) {
      if (c.id == segments[3]) return {200, success(connector_json(c)), "tunnel connector"};
    }
    return {404, failure(1003, "Connector not found"), "connector not_found"};
  }
  return {404, failure(7003, "No route for that URI"), "no_route"};
}

TunnelAnswer TunnelStore::control(std::string_view method, std::string_view what, const json& body, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (what.empty() || what == "/") {
    if (method != "GET") return bad_request("GET /__emulator/tunnels lists them");
    json out = json::array();
    for (const auto& t : tunnels_) {
      json j = tunnel_json(t, account_id_);
      j["connectors"] = t.connectors.size();
      out.push_back(std::move(j));
    }
    return {200, out, "control tunnels"};
  }
  // "/<tunnel>/connectors[/<connector>]" or "/<tunnel>/age"
  what.remove_prefix(1);
  const auto slash = what.find('/');
  if (slash == std::string_view::npos) return bad_request("give /__emulator/tunnels/<id or name>/connectors or /age");
  TunnelConfig* t = find(what.substr(0, slash));
  if (t == nullptr) return not_found(std::string(what.substr(0, slash)));
  const std::string_view rest = what.substr(slash + 1);
  const int before = active_connections(*t);
  if (rest == "connectors" && method == "POST") {
    std::vector<std::string> colos;
    if (const auto it = body.find("colos"); it != body.end() && it->is_array()) {
      for (const auto& c : *it) {
        if (c.is_string()) colos.push_back(c.get<std::string>());
      }
    }
    const int connections = body.value("connections", kConnectionsPerConnector);
    if (connections < 0 || connections > 16) return bad_request("connections must be from 0 to 16");
    t->connectors.push_back(
        make_connector(body.value("id", std::string()), body.value("version", std::string("2026.7.0")),
                       colos.empty() ? std::vector<std::string>{"AMS", "FRA"} : colos, connections, now));
  } else if (rest.starts_with("connectors") && method == "DELETE") {
    const std::string_view which = rest.substr(std::string_view("connectors").size());
    if (which.empty()) {
      t->connectors.clear();
    } else {
      const auto gone = std::erase_if(t->connectors, [&](const TunnelConnector& c) { return "/" + c.id == which; });
      if (gone == 0) return {404, failure(1003, "Connector not found"), "connector not_found"};
    }
  } else if (rest == "age" && method == "POST") {
    const auto it = body.find("seconds");
    if (it == body.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) {
      return bad_request("give {\"seconds\": N} (N >= 0)");
    }
    const auto by = std::chrono::seconds(it->get<std::int64_t>());
    for (auto& c : t->connectors) {
      c.run_at -= by;
      for (auto& conn : c.conns) conn.opened_at -= by;
    }
    if (t->conns_active_at) *t->conns_active_at -= by;
    if (t->conns_inactive_at) *t->conns_inactive_at -= by;
  } else {
    return bad_request("unknown tunnel control (connectors: POST, DELETE; age: POST)");
  }
  const int after = active_connections(*t);
  if (before == 0 && after > 0) {
    t->conns_active_at = now;
    t->conns_inactive_at.reset();
  } else if (before > 0 && after == 0) {
    t->conns_inactive_at = now;
  }
  json out = tunnel_json(*t, account_id_);
  out["connectors"] = t->connectors.size();
  return {200, out, "control tunnel " + t->name};
}

bool TunnelStore::host_down(std::string_view host) const {
  std::lock_guard lock(mutex_);
  for (const auto& t : tunnels_) {
    if (t.deleted_at) continue;
    const bool serves = std::any_of(t.ingress.begin(), t.ingress.end(),
                                    [&](const IngressRule& r) { return !r.hostname.empty() && r.hostname == host; });
    if (serves && active_connections(t) == 0) return true;
  }
  return false;
}

}  // namespace cfmon::emulator
