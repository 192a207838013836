// The check contract (cfmon/check.hpp, cfmon/plugin.hpp): each check declares its label and
// measurement once, in its descriptor, and discovery goes through the formatter layer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "access_descriptor.hpp"
#include "cfmon/plugin.hpp"
#include "logins_descriptor.hpp"
#include "tokens_descriptor.hpp"

namespace cfmon::plugin {
namespace {

TEST(CheckDescriptors, NameEachCheckAsTheEcosystemsKnowIt) {
  EXPECT_EQ(access::descriptor().info.program, "check_cf_access");
  EXPECT_EQ(access::descriptor().info.label, "CF-ACCESS");
  EXPECT_EQ(access::descriptor().info.measurement, "cf_access");
  EXPECT_EQ(tokens::descriptor().info.program, "check_cf_service_tokens");
  EXPECT_EQ(tokens::descriptor().info.label, "CF-TOKENS");
  EXPECT_EQ(tokens::descriptor().info.measurement, "cf_service_token");
  EXPECT_EQ(logins::descriptor().info.program, "check_cf_access_logins");
  EXPECT_EQ(logins::descriptor().info.label, "CF-LOGINS");
  EXPECT_EQ(logins::descriptor().info.measurement, "cf_access_logins");
}

TEST(CheckDescriptors, UsageLinesFitEightyColumns) {
  for (const auto* usage :
       {&access::descriptor().info.usage, &tokens::descriptor().info.usage, &logins::descriptor().info.usage}) {
    std::size_t start = 0;
    while (start < usage->size()) {
      const auto end = std::min(usage->find('\n', start), usage->size());
      EXPECT_LE(end - start, 80U) << usage->substr(start, end - start);
      start = end + 1;
    }
  }
}

Discovery two_apps() {
  return Discovery{{{{"NAME", "shop"}, {"URL", "https://shop.example.com/"}},
                    {{"NAME", "wiki"}, {"URL", "https://wiki.example.com/"}}}};
}

// The discovery of two_apps() in `format`, which succeeds, parsed.
nlohmann::json discovered(OutputFormat format) {
  const auto out = render_discovery(two_apps(), "CF-ACCESS", "cf_access", format);
  EXPECT_EQ(out.exit_code, 0);
  return nlohmann::json::parse(out.text);
}

TEST(RenderDiscovery, ZabbixGetsLowLevelDiscoveryMacros) {
  const auto lld = discovered(OutputFormat::zabbix);
  ASSERT_EQ(lld.size(), 2U);
  EXPECT_EQ(lld[1].at("{#NAME}"), "wiki");
  EXPECT_EQ(lld[0].at("{#URL}"), "https://shop.example.com/");
}

TEST(RenderDiscovery, JsonGetsAnArrayOfObjectsWithLowerCaseKeys) {
  const auto array = discovered(OutputFormat::json);
  ASSERT_TRUE(array.is_array());
  ASSERT_EQ(array.size(), 2U);
  EXPECT_EQ(array[0].at("name"), "shop");
  EXPECT_EQ(array[1].at("url"), "https://wiki.example.com/");
}

TEST(RenderDiscovery, NagiosGetsOneLineNamingWhatWasFound) {
  const auto out = render_discovery(two_apps(), "CF-ACCESS", "cf_access", OutputFormat::nagios);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.text, "CF-ACCESS OK - discovered 2: shop, wiki\n");
}

TEST(RenderDiscovery, LineProtocolHasNoFormForItAndSaysSo) {
  const auto out = render_discovery(two_apps(), "CF-ACCESS", "cf_access", OutputFormat::influx);
  EXPECT_NE(out.text.find("state=3i"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("usage_error"), std::string::npos) << out.text;
}

TEST(RenderDiscovery, PrometheusHasNoFormForItAndSaysTheCheckIsDown) {
  const auto out = render_discovery(two_apps(), "CF-ACCESS", "cf_access", OutputFormat::openmetrics);
  EXPECT_NE(out.text.find("cfmon_up{check=\"cf_access\"} 0\n"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("cfmon_state{check=\"cf_access\",reason=\"usage_error\"} 3\n"), std::string::npos)
      << out.text;
}

TEST(CommonOptions, OpenMetricsIsTheFifthFormatAndAnOtherNameIsRefused) {
  CommonConfig config;
  config.format_text = "openmetrics";
  EXPECT_FALSE(validate_common(config));
  EXPECT_EQ(config.format, OutputFormat::openmetrics);
  config.format_text = "prometheus";
  const auto error = validate_common(config);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "--format must be nagios, influx, zabbix, json or openmetrics, not 'prometheus'");
}

TEST(RenderDiscovery, AFailureIsUnknownInTheChosenFormatNeverAnEmptyArray) {
  const Expected<Discovery> failed = make_error("the API listed no service tokens");
  const auto zabbix = render_discovery(failed, "CF-TOKENS", "cf_service_token", OutputFormat::zabbix);
  EXPECT_NE(zabbix.text, "[]\n");
  const auto object = nlohmann::json::parse(zabbix.text);
  EXPECT_EQ(object.at("state"), 3);
  EXPECT_EQ(object.at("result"), "discovery_failed");
  const auto nagios = render_discovery(failed, "CF-TOKENS", "cf_service_token", OutputFormat::nagios);
  EXPECT_EQ(nagios.exit_code, 3);
  EXPECT_EQ(nagios.text.rfind("CF-TOKENS UNKNOWN - the API listed no service tokens", 0), 0U) << nagios.text;
}

TEST(TakeVerbosity, CountsEverySpellingAndStopsAtThree) {
  int verbosity = -1;
  const auto rest = take_verbosity(std::vector<std::string>{"-v", "--url", "x", "-vv", "--verbose"}, verbosity);
  EXPECT_EQ(verbosity, 3);
  EXPECT_EQ(rest, (std::vector<std::string>{"--url", "x"}));
  take_verbosity(std::vector<std::string>{"-vx"}, verbosity);
  EXPECT_EQ(verbosity, 0);
}

}  // namespace
}  // namespace cfmon::plugin
