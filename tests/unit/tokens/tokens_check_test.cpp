#include "tokens_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "support/results.hpp"

#include "cfmon/plugin.hpp"
#include "support/fake_cloudflare.hpp"
#include "support/temp_dir.hpp"
#include "tokens_options.hpp"

namespace cfmon::tokens {
namespace {

using cloudflare::ApiError;
using cloudflare::ApiErrorKind;
using cloudflare::ServiceTokenInfo;
using cloudflare::TimePoint;
using namespace std::chrono_literals;

const TimePoint kNow = *cloudflare::parse_rfc3339("2026-03-01T12:00:00Z");

// Serves a fixed list (or error); the check lists everything (one cache entry) and asks
// nothing else.
class FakeApi : public cfmon::testing::FakeCloudflare {
 public:
  explicit FakeApi(TokenList list) : FakeCloudflare(std::move(list)) {
    on_list = [](const cloudflare::ListQuery& query) {
      EXPECT_TRUE(query.name.empty() && query.search.empty()) << "the check lists everything (one cache entry)";
    };
  }
};

ServiceTokenInfo token(const std::string& name, std::optional<double> days_left, bool enabled = true) {
  ServiceTokenInfo t;
  t.id = name + "-0000-4000-8000-000000000000";
  t.client_id = std::string(32, 'a') + "." + name + ".access";
  t.name = name;
  t.duration = days_left ? "8760h" : "forever";
  if (days_left) t.expires_at = kNow + std::chrono::seconds(static_cast<long long>(*days_left * 86400));
  t.created_at = kNow - 100 * 24h;
  t.enabled = enabled;
  return t;
}

Report run(const TokensPlan& plan, std::vector<ServiceTokenInfo> tokens) {
  FakeApi api(std::move(tokens));
  return run_tokens_check(plan, api, kNow);
}

const Result& only(const Report& r) {
  EXPECT_EQ(r.root.children.size(), 1U);
  return r.root.children.at(0);
}

std::optional<Field> field(const Result& r, const std::string& key) {
  for (auto& f : fields_of(r)) {
    if (f.key == key) return f;
  }
  return std::nullopt;
}

TEST(TokensCheck, ExpiryThresholds) {
  struct Case {
    double days;
    State state;
    std::string reason;
    std::string text;
  };
  const std::vector<Case> cases = {
      {400, State::ok, "token_valid", "expires in 400 days (2027-04-05)"},
      {30.5, State::ok, "token_valid", "expires in 30 days"},
      {29.9, State::warning, "expires_soon", "expires in 29 days"},
      {7.1, State::warning, "expires_soon", "expires in 7 days"},
      {6.9, State::critical, "expires_soon", "expires in 6 days"},
      {0.5, State::critical, "expires_soon", "expires in 12 hours"},
      {-3, State::critical, "token_expired", "expired 3 days ago (2026-02-26)"},
      {0, State::critical, "token_expired", "expired less than an hour ago"},
  };
  for (const auto& c : cases) {
    const auto report = run(TokensPlan{}, {token("ci", c.days)});
    const auto& r = only(report);
    EXPECT_EQ(r.state, c.state) << c.days;
    EXPECT_EQ(r.reason, c.reason) << c.days;
    EXPECT_NE(r.message.find(c.text), std::string::npos) << c.days << ": " << r.message;
    EXPECT_EQ(report.root.state, c.state);
    const auto perfdata = perfdata_of(r);
    ASSERT_FALSE(perfdata.empty());
    EXPECT_EQ(perfdata[0].label, "days_left");
    EXPECT_NEAR(*perfdata[0].value, c.days, 0.01);
    EXPECT_EQ(perfdata[0].warn->text, "30:");
    EXPECT_EQ(perfdata[0].crit->text, "7:");
  }
}

TEST(TokensCheck, CustomThresholds) {
  TokensPlan plan;
  plan.warning_days = 60;
  plan.critical_days = 45;
  EXPECT_EQ(only(run(plan, {token("ci", 50)})).state, State::warning);
  EXPECT_EQ(only(run(plan, {token("ci", 40)})).state, State::critical);
  EXPECT_EQ(only(run(plan, {token("ci", 61)})).state, State::ok);
}

TEST(TokensCheck, DisabledIsCriticalWhateverTheExpiry) {
  const auto report = run(TokensPlan{}, {token("ci", 400, false)});
  const auto& r = only(report);
  EXPECT_EQ(r.state, State::critical);
  EXPECT_EQ(r.reason, "token_disabled");
  EXPECT_NE(r.message.find("disabled"), std::string::npos);
  EXPECT_EQ(std::get<bool>(field(r, "enabled")->value), false);
}

TEST(TokensCheck, SeveralProblemsAreAllSaidWorstFirst) {
  TokensPlan plan;
  plan.max_idle_days = 30;
  const auto report = run(plan, {token("ci", 20, false)});
  const auto& r = only(report);
  EXPECT_TRUE(
      cfmon::testing::says(r, State::critical, "token_disabled",
                           "disabled (enabled: false): Access refuses it; expires in 20 days (2026-03-21); never used "
                           "(Cloudflare may clean up unused tokens)"));
}

TEST(TokensCheck, ForeverIsOkUnlessALifetimeIsRequired) {
  auto report = run(TokensPlan{}, {token("legacy", std::nullopt)});
  EXPECT_TRUE(cfmon::testing::says(only(report), State::ok, "never_expires", "never expires (duration forever)"));
  EXPECT_TRUE(std::get<bool>(field(only(report), "never_expires")->value));
  EXPECT_FALSE(field(only(report), "days_left").has_value()) << "no made-up number";

  auto far = token("legacy", std::nullopt);
  far.expires_at = cloudflare::parse_rfc3339("9999-12-31T23:59:59Z");  // how some answers say "never"
  report = run(TokensPlan{}, {far});
  EXPECT_EQ(only(report).reason, "never_expires");
  EXPECT_TRUE(perfdata_of(only(report)).empty());

  TokensPlan plan;
  plan.max_lifetime_days = 365;
  report = run(plan, {token("legacy", std::nullopt)});
  EXPECT_EQ(only(report).state, State::warning);
  EXPECT_EQ(only(report).reason, "lifetime_too_long");
  auto two_years = token("long", 600);
  two_years.duration = "17520h";
  EXPECT_EQ(only(run(plan, {two_years})).state, State::warning);
  EXPECT_NE(only(run(plan, {two_years})).message.find("lifetime 730 days (duration 17520h) exceeds 365 days"),
            std::string::npos);
  EXPECT_EQ(only(run(plan, {token("yearly", 300)})).state, State::ok) << "8760h = 365 days is allowed";
}

TEST(TokensCheck, IdleAndNeverUsed) {
  TokensPlan plan;
  plan.max_idle_days = 30;
  auto used = token("ci", 200);
  used.last_seen_at = kNow - 10 * 24h;
  auto r = only(run(plan, {used}));
  EXPECT_EQ(r.state, State::ok);
  EXPECT_NE(r.message.find("last used 10 days ago"), std::string::npos) << r.message;
  used.last_seen_at = kNow - 45 * 24h;
  r = only(run(plan, {used}));
  EXPECT_EQ(r.state, State::warning);
  EXPECT_EQ(r.reason, "token_idle");
  EXPECT_NE(r.message.find("last used 45 days ago (2026-01-15"), std::string::npos) << r.message;
  ASSERT_EQ(perfdata_of(r).size(), 2U);
  EXPECT_EQ(perfdata_of(r)[1].label, "idle_days");
  EXPECT_EQ(*perfdata_of(r)[1].value, 45.0);
  EXPECT_EQ(perfdata_of(r)[1].warn->text, "30");
  r = only(run(plan, {token("fresh", 200)}));
  EXPECT_EQ(r.state, State::warning);
  EXPECT_EQ(r.reason, "never_used");
  EXPECT_FALSE(perfdata_of(r).at(1).value) << "never used prints U";
  EXPECT_EQ(only(run(TokensPlan{}, {token("fresh", 200)})).state, State::ok) << "idle only matters when asked";
}

TEST(TokensCheck, SelectionByNameIdClientIdAndMissingTokens) {
  const std::vector<ServiceTokenInfo> all = {token("a", 100), token("b", 5), token("c", 200)};
  TokensPlan plan;
  plan.selectors = {{TokenSelector::Kind::name, "a", "--name a"},
                    {TokenSelector::Kind::id, all[2].id, "--id " + all[2].id},
                    {TokenSelector::Kind::client_id, all[0].client_id, "--client-id x"},  // same token as --name a
                    {TokenSelector::Kind::name, "gone", "--name gone"}};
  const auto report = run(plan, all);
  ASSERT_EQ(report.root.children.size(), 3U);
  EXPECT_EQ(report.root.children[0].name, "a");
  EXPECT_EQ(report.root.children[1].name, "c");
  const auto& missing = report.root.children[2];
  EXPECT_EQ(missing.name, "gone");
  EXPECT_TRUE(cfmon::testing::says(
      missing, State::critical, "token_missing",
      "no service token with --name gone: it may have been deleted, or cleaned up by Cloudflare for inactivity"));
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.message, "3 tokens: 1 critical, 2 ok");
}

TEST(TokensCheck, AllTokensWhenNothingIsSelected) {
  const auto report = run(TokensPlan{}, {token("a", 100), token("b", 5), token("c", 20)});
  EXPECT_EQ(report.root.children.size(), 3U);
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.message, "3 tokens: 1 critical, 1 warning, 1 ok");
}

TEST(TokensCheck, DuplicateNamesStayApart) {
  auto first = token("dup", 100);
  auto second = token("dup", 5);
  second.id = "ffffffff-0000-4000-8000-000000000000";
  const auto report = run(TokensPlan{}, {first, second});
  ASSERT_EQ(report.root.children.size(), 2U);
  EXPECT_EQ(report.root.children[0].name, "dup/dup-0000");
  EXPECT_EQ(report.root.children[1].name, "dup/ffffffff");
}

// One malformed token must not blind the check to the others: it is UNKNOWN with the
// API client's line naming the field, the rest are judged (here one is expired).
TEST(TokensCheck, AMalformedTokenIsUnknownAndTheOthersAreStillJudged) {
  auto broken = token("broken", 100);
  broken.problems = {"'enabled' is a string, not a boolean"};
  ServiceTokenInfo unreadable;
  unreadable.problems = {"a service token in the answer is null, not a JSON object"};
  const auto report = run(TokensPlan{}, {token("good", 100), broken, token("expired", -1), unreadable});
  ASSERT_EQ(report.root.children.size(), 4U);
  EXPECT_EQ(report.root.children[0].state, State::ok);
  const auto& b = report.root.children[1];
  EXPECT_EQ(b.name, "broken");
  EXPECT_TRUE(
      cfmon::testing::says(b, State::unknown, "api_bad_response",
                           "the API's answer for this token is unusable: 'enabled' is a string, not a boolean"));
  EXPECT_EQ(report.root.children[2].state, State::critical);
  EXPECT_EQ(report.root.children[3].name, "token #4 of the answer");
  EXPECT_EQ(report.root.children[3].state, State::unknown);
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.message, "4 tokens: 1 critical, 2 unknown, 1 ok");
}

// An answer that cannot say when a token expires is UNKNOWN, never "never expires" OK:
// a finite duration without expires_at, or neither field at all.
TEST(TokensCheck, AnUnknownExpiryIsUnknownNeverOk) {
  auto no_expiry = token("finite", 100);
  no_expiry.expires_at.reset();
  auto nothing = token("nothing", std::nullopt);
  nothing.duration.clear();
  auto forever = token("forever", std::nullopt);
  const auto report = run(TokensPlan{}, {no_expiry, nothing, forever});
  ASSERT_EQ(report.root.children.size(), 3U);
  EXPECT_EQ(report.root.children[0].state, State::unknown);
  EXPECT_EQ(report.root.children[0].message,
            "the API's answer for this token is unusable: 'duration' is '8760h' but there is no expires_at: its "
            "expiry is unknown");
  EXPECT_EQ(report.root.children[1].state, State::unknown);
  EXPECT_EQ(report.root.children[2].state, State::ok);
  EXPECT_EQ(report.root.children[2].reason, "never_expires");
}

// Tokens without an id (the schema requires none) are still told apart.
TEST(TokensCheck, TokensWithoutAnIdStayApart) {
  auto a = token("a", 100);
  auto b = token("b", -1);
  a.id.clear();
  b.id.clear();
  TokensPlan plan;
  plan.selectors = {{TokenSelector::Kind::name, "a", "--name a"}, {TokenSelector::Kind::name, "b", "--name b"}};
  const auto report = run(plan, {a, b});
  ASSERT_EQ(report.root.children.size(), 2U);
  EXPECT_EQ(report.root.state, State::critical) << "b expired";
}

// A selected token not among the readable ones, while some could not be read, may be
// one of those: UNKNOWN, not CRITICAL "missing".
TEST(TokensCheck, ASelectedTokenPerhapsAmongUnreadableOnesIsUnknown) {
  auto nameless = token("", 100);
  nameless.problems = {"'name' is a number, not a string"};
  TokensPlan plan;
  plan.selectors = {{TokenSelector::Kind::name, "ci", "--name ci"}};
  const auto report = run(plan, {token("other", 100), nameless});
  const auto& r = only(report);
  EXPECT_TRUE(cfmon::testing::says(
      r, State::unknown, "api_bad_response",
      "no readable service token with --name ci, but 1 token in the answer could not be read: cannot tell "
      "whether it exists"));
}

TEST(TokensCheck, AnEmptyListIsUnknownNeverOk) {
  for (bool selected : {false, true}) {
    TokensPlan plan;
    if (selected) plan.selectors = {{TokenSelector::Kind::name, "ci", "--name ci"}};
    const auto report = run(plan, {});
    EXPECT_EQ(report.root.state, State::unknown);
    EXPECT_EQ(report.root.reason, "empty_list");
    EXPECT_NE(report.root.message.find("the API token may lack Access: Service Tokens Read"), std::string::npos);
    EXPECT_TRUE(report.root.children.empty());
  }
}

TEST(TokensCheck, ApiErrorsAreUnknownWithTheMappedMessage) {
  FakeApi api(ApiError{ApiErrorKind::forbidden,
                       "the API token lacks Access: Service Tokens Read (Cloudflare error 10000)",
                       403,
                       {},
                       std::nullopt});
  const auto report = run_tokens_check(TokensPlan{}, api, kNow);
  EXPECT_TRUE(cfmon::testing::says(report.root, State::unknown, "api_forbidden",
                                   "the API token lacks Access: Service Tokens Read (Cloudflare error 10000)"));
  EXPECT_EQ(api.lists, 1);
}

TEST(TokensCheck, FieldsKeepTheirTypesAndTagsNameTheToken) {
  auto t = token("ci", 100);
  t.last_seen_at = kNow - 24h;
  const auto report = run(TokensPlan{}, {t});
  const auto& r = only(report);
  EXPECT_TRUE(std::holds_alternative<double>(field(r, "days_left")->value));
  EXPECT_TRUE(std::holds_alternative<double>(field(r, "idle_days")->value));
  EXPECT_TRUE(std::holds_alternative<bool>(field(r, "found")->value));
  EXPECT_EQ(std::get<std::string>(field(r, "client_id")->value), t.client_id);
  EXPECT_EQ(tags_of(r), (std::vector<std::pair<std::string, std::string>>{{"token_id", t.id}, {"result", r.reason}}));
}

TEST(TokensDiscover, ListsTheSelectedTokensAndRefusesAnEmptyAnswer) {
  FakeApi api(std::vector<ServiceTokenInfo>{token("a", 100), token("b", 5)});
  TokensPlan plan;
  auto found = discover_tokens(plan, api);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->size(), 2U);
  plan.selectors = {{TokenSelector::Kind::name, "b", "--name b"}};
  found = discover_tokens(plan, api);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1U);
  EXPECT_EQ(found->at(0).name, "b");
  FakeApi empty(std::vector<ServiceTokenInfo>{});
  EXPECT_FALSE(discover_tokens(TokensPlan{}, empty));
}

// ---------------------------------------------------------------- options

EnvLookup api_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "CF_API_TOKEN") return "env-api-token";
    if (name == "CF_ACCOUNT_ID") return "0123456789abcdef0123456789abcdef";
    return std::nullopt;
  };
}

TEST(TokensOptions, EnvFileSelectsItsClientId) {
  testing::TempDir tmp;
  plugin::CommonConfig common;
  common.env_file =
      tmp.write(".env", "CF_SERVICE_TOKEN_CLIENT_ID=abc.access\nCF_SERVICE_TOKEN_CLIENT_ID_NEW=new.access\n");
  TokensOptions o;
  auto plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->selectors.size(), 1U);
  EXPECT_EQ(plan->selectors[0].kind, TokenSelector::Kind::client_id);
  EXPECT_EQ(plan->selectors[0].value, "abc.access");
  o.selection.env_suffix = "NEW";
  plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->selectors.at(0).value, "new.access");
  o.selection.env_suffix = "OLD";
  plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("has no CF_SERVICE_TOKEN_CLIENT_ID_OLD"), std::string::npos);
}

TEST(TokensOptions, ValidationErrorsAreOneClearLine) {
  plugin::CommonConfig common;
  TokensOptions o;
  o.critical_days = 40;
  auto plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "--critical-days must not exceed --warning-days");
  o = TokensOptions{};
  o.max_idle_days = -1;
  EXPECT_FALSE(make_plan(o, common, api_env(), nullptr));
  o = TokensOptions{};
  o.api.per_page = 1001;  // above the schema's maximum
  plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("--per-page"), std::string::npos);
  o = TokensOptions{};
  o.selection.env_suffix = "NEW";
  EXPECT_FALSE(make_plan(o, common, api_env(), nullptr));
  o = TokensOptions{};
  plan = make_plan(
      o, common, [](const std::string&) { return std::nullopt; }, nullptr);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("missing Cloudflare API token"), std::string::npos);
  o = TokensOptions{};
  o.api.cache_ttl_seconds = 60;
  o.api.cache_dir = "relative/cache";
  plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("--cache-dir must be an absolute path"), std::string::npos);
}

TEST(TokensOptions, ACacheWithoutHomeGoesToTheSystemPlaces) {
  // Debian's icinga2 and nagios4 units start the daemon without HOME or XDG_CACHE_HOME.
  plugin::CommonConfig common;
  TokensOptions o;
  o.api.cache_ttl_seconds = 60;
  const auto plan = make_plan(o, common, api_env(), nullptr);
  ASSERT_TRUE(plan) << plan.error().message;
  const auto uid = std::to_string(::geteuid());
  EXPECT_EQ(plan->api.cache.dir, "/var/cache/cfmon/" + uid);
  EXPECT_EQ(plan->api.cache.fallbacks, std::vector<std::string>{"/tmp/cfmon-" + uid});
  // An explicit --cache-dir is the one place: no fallback hides a typo.
  o.api.cache_dir = "/srv/cache/cfmon";
  const auto explicit_dir = make_plan(o, common, api_env(), nullptr);
  ASSERT_TRUE(explicit_dir) << explicit_dir.error().message;
  EXPECT_EQ(explicit_dir->api.cache.dir, "/srv/cache/cfmon");
  EXPECT_TRUE(explicit_dir->api.cache.fallbacks.empty());
}

}  // namespace
}  // namespace cfmon::tokens
