// The validator against hand-made exchanges: what conforms passes, and a field renamed
// on either side (answer or request) fails, as do the known deviations of the past
// (refresh with a body, last_seen_at null, per_page above 1000).
#include "contract.hpp"

#include <gtest/gtest.h>

namespace cfmon::contract {
namespace {

using nlohmann::json;

const Contract& contract() {
  static const Contract c = Contract::load_file(CFMON_CONTRACT_SCHEMA);
  return c;
}

const std::string kTokens = "/client/v4/accounts/a11ce5eda11ce5eda11ce5eda11ce5ed/access/service_tokens";
const std::string kId = "11111111-1111-4111-8111-111111111111";
const Headers kAuth{{"Authorization", "Bearer x"}};
const Headers kJsonAuth{{"Authorization", "Bearer x"}, {"Content-Type", "application/json"}};
const Headers kJson{{"Content-Type", "application/json"}};

json envelope(json result) {
  return {{"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", std::move(result)}};
}

json token() {
  return {{"id", kId},
          {"name", "ci"},
          {"client_id", "feedfacefeedfacefeedfacefeedface.access"},
          {"duration", "8760h"},
          {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"},
          {"expires_at", "2027-01-01T00:00:00Z"},
          {"enabled", true}};
}

json created() {
  json t = token();
  t.erase("expires_at");  // access_create_response has none
  t["client_secret"] = "bdd31cbc4dec990953e39163fbbb194c93313ca9f0a6e420346af9d326b1d2a5";
  return t;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(Contract, SchemaTrueAnswersPass) {
  json list = envelope(json::array({token()}));
  list["result_info"] = {{"page", 1}, {"per_page", 1000}, {"count", 1}, {"total_count", 1}, {"total_pages", 1}};
  EXPECT_EQ(joined(contract().check_response("GET", kTokens + "?page=1&per_page=1000", 200, kJson, list.dump())), "");
  EXPECT_EQ(joined(contract().check_response("POST", kTokens, 201, kJson, envelope(created()).dump())), "");
  EXPECT_EQ(joined(contract().check_response("POST", kTokens + "/" + kId + "/rotate", 200, kJson,
                                             envelope({{"id", kId}, {"client_secret", "s"}}).dump())),
            "");
  EXPECT_EQ(
      joined(contract().check_response("DELETE", kTokens + "/" + kId, 200, kJson, envelope({{"id", kId}}).dump())), "");
  const json failure = {{"success", false},
                        {"errors", json::array({{{"code", 12135}, {"message", "not found"}}})},
                        {"messages", json::array()},
                        {"result", nullptr}};
  EXPECT_EQ(joined(contract().check_response("GET", kTokens + "/" + kId, 404, kJson, failure.dump())), "");
}

TEST(Contract, AFieldRenamedInAnAnswerFails) {
  json renamed = created();
  renamed["clientSecret"] = renamed["client_secret"];
  renamed.erase("client_secret");
  const auto problems = contract().check_response("POST", kTokens, 201, kJson, envelope(renamed).dump());
  ASSERT_EQ(problems.size(), 1U) << joined(problems);
  EXPECT_NE(problems[0].find("'clientSecret' is not in the schema"), std::string::npos) << problems[0];

  json info = envelope(json::array());
  info["result_info"] = {{"page", 1}, {"totalPages", 1}};
  EXPECT_FALSE(contract().check_response("GET", kTokens, 200, kJson, info.dump()).empty());
  json envelope_renamed = envelope(token());
  envelope_renamed["error"] = envelope_renamed["errors"];
  envelope_renamed.erase("errors");
  EXPECT_FALSE(contract().check_response("GET", kTokens + "/" + kId, 200, kJson, envelope_renamed.dump()).empty());
}

TEST(Contract, AFieldRenamedInARequestFails) {
  EXPECT_EQ(joined(contract().check_request("POST", kTokens, kJsonAuth, R"({"name":"ci","duration":"720h"})")), "");
  const auto problems = contract().check_request("POST", kTokens, kJsonAuth, R"({"name":"ci","durations":"720h"})");
  ASSERT_EQ(problems.size(), 1U) << joined(problems);
  EXPECT_NE(problems[0].find("'durations' is not in the schema"), std::string::npos) << problems[0];
  EXPECT_FALSE(contract().check_request("POST", kTokens, kJsonAuth, R"({"title":"ci"})").empty()) << "name is required";
  EXPECT_FALSE(contract().check_request("GET", kTokens + "?page=1&perPage=5", kAuth, "").empty());
  EXPECT_FALSE(contract()
                   .check_request("POST", kTokens + "/" + kId + "/rotate", kJsonAuth,
                                  R"({"previous_client_secret_expiry":"2030-01-01T00:00:00Z"})")
                   .empty());
}

TEST(Contract, KnownDeviationsFail) {
  // refresh declares no request body
  EXPECT_EQ(joined(contract().check_request("POST", kTokens + "/" + kId + "/refresh", kAuth, "")), "");
  EXPECT_FALSE(contract().check_request("POST", kTokens + "/" + kId + "/refresh", kJsonAuth, "{}").empty());
  // per_page is an integer of at most 1000
  EXPECT_EQ(joined(contract().check_request("GET", kTokens + "?page=2&per_page=1000", kAuth, "")), "");
  EXPECT_FALSE(contract().check_request("GET", kTokens + "?per_page=1001", kAuth, "").empty());
  EXPECT_FALSE(contract().check_request("GET", kTokens + "?per_page=ten", kAuth, "").empty());
  // timestamps are strings: a never-used token has no last_seen_at, not null
  json seen = token();
  seen["last_seen_at"] = nullptr;
  EXPECT_FALSE(contract().check_response("GET", kTokens + "/" + kId, 200, kJson, envelope(seen).dump()).empty());
  seen["last_seen_at"] = "yesterday";
  EXPECT_FALSE(contract().check_response("GET", kTokens + "/" + kId, 200, kJson, envelope(seen).dump()).empty());
  // no API token, an id too long for a UUID, an undeclared status, a wrong type
  EXPECT_FALSE(contract().check_request("GET", kTokens, {}, "").empty());
  EXPECT_FALSE(contract().check_request("GET", kTokens + "/" + kId + "-and-more", kAuth, "").empty());
  EXPECT_FALSE(contract().check_response("GET", kTokens, 500, kJson, envelope(json::array()).dump()).empty());
  json typed = token();
  typed["enabled"] = "false";
  EXPECT_FALSE(contract().check_response("GET", kTokens + "/" + kId, 200, kJson, envelope(typed).dump()).empty());
  // paths outside the excerpt are not its business
  EXPECT_FALSE(contract().covers("/client/v4/graphql"));
  EXPECT_TRUE(contract().covers(kTokens + "?page=1"));
  EXPECT_TRUE(contract().check_request("POST", "/client/v4/graphql", kJsonAuth, "{}").empty());
}

}  // namespace
}  // namespace cfmon::contract
