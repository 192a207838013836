// ApiClient's Access applications role: apps and their policies, every page, through
// the same transport (envelope, 429, pagination caps) and read cache as service tokens.
#include "api_client_impl.hpp"
#include "cfmon/printable.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;
using namespace internal;

constexpr ListWords kAppListWords{"Access application list", "app list", "apps", "Access applications"};
constexpr ListWords kPolicyListWords{"Access policy list", "policy list", "policies", "Access policies"};

Op apps_read_op(std::string object = {}) {
  return Op{"Access: Apps and Policies Read", std::move(object), false};
}

// Each item of a list parsed; an item that is not an object stays, unreadable, with its problem.
template <class Info, class Parse>
ApiResult<std::vector<Info>> parse_list(const Json& raw, Parse parse, std::string_view what) {
  if (!raw.is_array())
    return make_api_error(ApiErrorKind::bad_response, "the " + std::string(what) + " is not an array");
  std::vector<Info> out;
  for (const auto& item : raw) {
    auto info = parse(item);
    if (!info) {
      Info unreadable;
      unreadable.problems.push_back(info.error().message);
      out.push_back(std::move(unreadable));
      continue;
    }
    out.push_back(std::move(*info));
  }
  return out;
}

Json keep_all(Json&& item) {
  return std::move(item);
}

}  // namespace

ApiResult<std::vector<AccessAppInfo>> ApiClient::list_access_apps() {
  if (auto e = impl_->check_config()) return *e;
  const auto deadline = impl_->transport.deadline();
  const std::string descriptor = "list access apps per_page=" + std::to_string(impl_->settings().per_page);
  auto raw = impl_->cache.read(descriptor, deadline, [&] {
    return impl_->transport.list_all(impl_->access_path() + "/apps", "", apps_read_op(), deadline, kAppListWords,
                                     keep_all);
  });
  if (!raw) return raw.error();
  return parse_list<AccessAppInfo>(*raw, parse_access_app, "Access application list");
}

ApiResult<std::vector<AccessPolicyInfo>> ApiClient::list_app_policies(std::string_view app_id) {
  if (auto e = impl_->check_config()) return *e;
  if (!is_safe_id(app_id)) {
    return make_api_error(ApiErrorKind::bad_request,
                          "malformed Access application ID '" + cfmon::printable(app_id) + "'");
  }
  const auto deadline = impl_->transport.deadline();
  const std::string descriptor =
      "list access app policies " + std::string(app_id) + " per_page=" + std::to_string(impl_->settings().per_page);
  auto raw = impl_->cache.read(descriptor, deadline, [&] {
    return impl_->transport.list_all(impl_->access_path() + "/apps/" + std::string(app_id) + "/policies", "",
                                     apps_read_op("Access application " + cfmon::printable(app_id, 64)), deadline,
                                     kPolicyListWords, keep_all);
  });
  if (!raw) return raw.error();
  return parse_list<AccessPolicyInfo>(*raw, parse_access_policy, "Access policy list");
}

}  // namespace cfmon::cloudflare
