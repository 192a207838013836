#pragma once
// The Cloudflare API for the checks' unit tests: a fixed token list (or error) and one
// GraphQL answer (or error); records what the check asked. Anything else is a test
// failure. Needs the product's cfmon_cloudflare and GoogleTest.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cfmon/cloudflare_api.hpp"

namespace cfmon::testing {

class FakeCloudflare : public cloudflare::TokenDirectory, public cloudflare::GraphqlApi {
 public:
  using TokenList = cloudflare::ApiResult<std::vector<cloudflare::ServiceTokenInfo>>;
  explicit FakeCloudflare(TokenList list, nlohmann::json data = nullptr)
      : list_(std::move(list)), data_(std::move(data)) {}

  TokenList list_service_tokens(const cloudflare::ListQuery& query) override {
    ++lists;
    if (on_list) on_list(query);
    return list_;
  }
  cloudflare::ApiResult<cloudflare::ServiceTokenInfo> get_service_token(std::string_view) override {
    return unexpected("get_service_token");
  }
  cloudflare::ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) override {
    ++queries;
    last_query = std::string(query);
    last_variables = variables;
    if (error) return *error;
    if (data_.is_null()) return unexpected("graphql");
    return data_;
  }

  std::function<void(const cloudflare::ListQuery&)> on_list;  // checks each list query
  std::optional<cloudflare::ApiError> error;                  // the GraphQL answer instead of data
  int lists = 0;
  int queries = 0;
  std::string last_query;
  nlohmann::json last_variables;

 private:
  static cloudflare::ApiError unexpected(const char* what) {
    ADD_FAILURE() << "the check must not call " << what;
    return cloudflare::ApiError{cloudflare::ApiErrorKind::api_error, "unexpected", 0, {}, std::nullopt};
  }
  TokenList list_;
  nlohmann::json data_;
};

}  // namespace cfmon::testing
