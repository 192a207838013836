// Docs come from one source, for every check alike: the samples in plugins/<check>/samples
// are real output of the binary against the emulator (numbers aside), the README shows
// exactly those samples, and its option table matches --help. One row of kChecks a check
// (Checks/Docs.*/<check>, Checks/DocsSamples.*/<check>).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include "harness.hpp"

namespace cfmon::testing {
namespace {

struct Sample {
  std::string file;
  std::string format;
  std::vector<std::string> words;  // what the check's runner makes of it (targets, arguments)
};

struct CheckDocs {
  std::string name;     // the binary's name
  std::string program;  // its path
  std::string dir;      // plugins/<dir>
  std::vector<Sample> samples;
  // Runs the binary as the sample was made; empty where no test makes the samples.
  std::function<RunResult(Emulator&, const Sample&, const TempDir&)> run_sample;
  // What may change from run to run (timings, days left, the emulator's port).
  std::function<std::string(const std::string&, int port)> normalise;
  // The part of --help that the README's option table documents: from `help_from` (all
  // of it when empty) to `help_to`; it lists more than `min_options` options.
  std::string help_from;
  std::string help_to;
  std::size_t min_options = 0;
};

// Access: each sample's words are `name app` pairs, one line of the targets file each.
RunResult run_access(Emulator& emu, const Sample& sample, const TempDir& dir) {
  std::string targets = "# NAME URL\n";
  std::vector<std::string> args{"--ca-file", emu.ca_file(), "--format", sample.format};
  for (std::size_t i = 0; i + 1 < sample.words.size(); i += 2) {
    targets += sample.words[i] + " " + emu.url(sample.words[i + 1]) + "\n";
    args.push_back("--resolve");
    args.push_back(sample.words[i + 1] + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1");
  }
  args.push_back("--targets-file");
  args.push_back(dir.write("targets-" + sample.format, targets));
  return run(CFMON_CHECK_CF_ACCESS, args,
             {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
              {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}});
}

// API checks (service tokens, tunnels): the words are arguments, against the emulator's
// API as its admin.
RunResult run_api_check(const std::string& program, Emulator& emu, const Sample& sample) {
  auto args = emu.api_args();
  args.insert(args.end(), {"--format", sample.format});
  args.insert(args.end(), sample.words.begin(), sample.words.end());
  const auto env = emu.api_env();
  auto result = run(program, args, env);
  EXPECT_EQ(result.out.find(env.at("CF_API_TOKEN")), std::string::npos) << result.out;
  return result;
}

// Access applications: the words are arguments, judging the monitoring token.
RunResult run_apps(Emulator& emu, const Sample& sample, const TempDir&) {
  auto args = emu.api_args();
  args.insert(args.end(), {"--format", sample.format, "--client-id", emu.client_id("monitoring")});
  args.insert(args.end(), sample.words.begin(), sample.words.end());
  return run(CFMON_CHECK_CF_ACCESS_APPS, args, emu.api_env());
}

RunResult run_tokens(Emulator& emu, const Sample& sample, const TempDir&) {
  return run_api_check(CFMON_CHECK_CF_SERVICE_TOKENS, emu, sample);
}

RunResult run_tunnels(Emulator& emu, const Sample& sample, const TempDir&) {
  return run_api_check(CFMON_CHECK_CF_TUNNELS, emu, sample);
}

// Timings and the emulator's ephemeral port. A timing may print in either notation: the
// OpenMetrics formatter writes the shortest round-trip form, so 0.0002 s is "2e-04".
std::string timings_and_port(const std::string& text, int port) {
  return std::regex_replace(std::regex_replace(text, std::regex(":" + std::to_string(port)), ":PORT"),
                            std::regex(R"(\d+(?:\.\d+)?e[-+]?\d+|\d+\.\d+)"), "N");
}

// Days left and dates move with the calendar: the words, not the numbers.
std::string words_only(const std::string& text, int) {
  return std::regex_replace(text, std::regex(R"(\d+(?:\.\d+)?(?:e[-+]?\d+)?)"), "N");
}

const std::vector<std::string> kThreeApps{"shop", "ok", "grafana", "origin-502", "wiki", "legacy-403"};
const std::vector<std::string> kFourApps{"--domain", "ok.cfemu.test",         "--domain", "bypass-everyone.cfemu.test",
                                         "--domain", "allow-only.cfemu.test", "--domain", "unprotected.cfemu.test",
                                         "--orphans"};
const std::vector<std::string> kTwoTokens{"--name", "monitoring", "--name", "disabled"};
const std::vector<std::string> kTwoTunnels{"--name", "prod-web", "--name", "legacy-vpn"};

const std::vector<CheckDocs> kChecks{
    {"check_cf_access",
     CFMON_CHECK_CF_ACCESS,
     "access",
     {{"three-apps.nagios.txt", "nagios", kThreeApps},
      {"three-apps.influx.txt", "influx", kThreeApps},
      {"three-apps.zabbix.txt", "zabbix", kThreeApps},
      {"three-apps.openmetrics.txt", "openmetrics", kThreeApps},
      {"one-app.json.txt", "json", {"shop", "ok"}}},
     run_access,
     timings_and_port,
     "",
     "",
     20},
    {"check_cf_service_tokens",
     CFMON_CHECK_CF_SERVICE_TOKENS,
     "tokens",
     {{"all-tokens.nagios.txt", "nagios", {"--max-idle-days", "90"}},
      {"two-tokens.influx.txt", "influx", kTwoTokens},
      {"two-tokens.zabbix.txt", "zabbix", kTwoTokens},
      {"two-tokens.openmetrics.txt", "openmetrics", kTwoTokens},
      {"discovery.zabbix.txt", "zabbix", {"--discover"}},
      {"one-token.json.txt", "json", {"--name", "monitoring"}}},
     run_tokens,
     words_only,
     "",
     "",
     20},
    {"check_cf_access_apps",
     CFMON_CHECK_CF_ACCESS_APPS,
     "apps",
     {{"four-apps.nagios.txt", "nagios", kFourApps},
      {"four-apps.influx.txt", "influx", kFourApps},
      {"four-apps.zabbix.txt", "zabbix", kFourApps},
      {"discovery.zabbix.txt", "zabbix", {"--discover", "--app", "ok", "--app", "reusable-ok"}},
      {"one-app.json.txt", "json", {"--app", "ok"}}},
     run_apps,
     timings_and_port,
     "",
     "",
     20},
    // The README documents the check's own group and the Cloudflare API group.
    {"check_cf_access_logins",
     CFMON_CHECK_CF_ACCESS_LOGINS,
     "logins",
     {{"foreign-ip.nagios.txt", "nagios", {}},
      {"two-tokens.nagios.txt", "nagios", {}},
      {"two-tokens.influx.txt", "influx", {}}},
     nullptr,
     nullptr,
     "check_cf_access_logins options:",
     "Common options:",
     15},
    {"check_cf_tunnels",
     CFMON_CHECK_CF_TUNNELS,
     "tunnels",
     {{"all-tunnels.nagios.txt", "nagios", {"--min-version", "2024.1.0"}},
      {"two-tunnels.influx.txt", "influx", kTwoTunnels},
      {"two-tunnels.zabbix.txt", "zabbix", kTwoTunnels},
      {"discovery.zabbix.txt", "zabbix", {"--discover"}},
      {"one-tunnel.json.txt", "json", {"--name", "prod-web"}}},
     run_tunnels,
     words_only,
     "",
     "",
     20},
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
void PrintTo(const CheckDocs& check, std::ostream* os) {
  *os << check.name;
}

std::string dir_of(const CheckDocs& check) {
  return std::string(CFMON_SOURCE_DIR) + "/plugins/" + check.dir;
}

std::string name_of(const ::testing::TestParamInfo<CheckDocs>& info) {
  return info.param.name;
}

class Docs : public ::testing::TestWithParam<CheckDocs> {};
class DocsSamples : public ::testing::TestWithParam<CheckDocs> {};

TEST_P(DocsSamples, AreWhatTheBinaryPrints) {
  const auto& check = GetParam();
  // A fresh emulator: the samples show what a first run prints (a token never used yet),
  // whatever the tests before this one did in the same process.
  Emulator emu(CFMON_EMULATOR_CONFIG);
  TempDir dir;
  const bool update = std::getenv("CFMON_UPDATE_SAMPLES") != nullptr;
  const std::regex port(":" + std::to_string(emu.port()));
  for (const auto& sample : check.samples) {
    const auto r = check.run_sample(emu, sample, dir);
    const std::string path = dir_of(check) + "/samples/" + sample.file;
    if (update) {
      std::ofstream(path, std::ios::binary) << std::regex_replace(r.out, port, ":8443");
      continue;
    }
    const std::string expected = std::regex_replace(slurp(path), std::regex(":8443"), ":" + std::to_string(emu.port()));
    ASSERT_FALSE(expected.empty()) << path << " is missing; run with CFMON_UPDATE_SAMPLES=1";
    EXPECT_EQ(check.normalise(r.out, emu.port()), check.normalise(expected, emu.port())) << sample.file;
  }
}

TEST_P(Docs, ReadmeShowsTheSamplesVerbatim) {
  const auto& check = GetParam();
  const std::string readme = slurp(dir_of(check) + "/README.md");
  ASSERT_FALSE(check.samples.empty());
  for (const auto& sample : check.samples) {
    const std::string content = slurp(dir_of(check) + "/samples/" + sample.file);
    ASSERT_FALSE(content.empty()) << sample.file;
    EXPECT_NE(readme.find("```\n" + content + "```"), std::string::npos)
        << "plugins/" << check.dir << "/README.md does not show samples/" << sample.file << " verbatim";
  }
}

std::set<std::string> long_options(const std::string& text, const std::regex& pattern) {
  std::set<std::string> found;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) found.insert((*it)[1]);
  return found;
}

TEST_P(Docs, ReadmeOptionTableMatchesHelp) {
  const auto& check = GetParam();
  const auto help = run(check.program, {"--help"});
  std::string documented = help.out;
  if (!check.help_from.empty()) {
    const auto from = help.out.find(check.help_from);
    const auto to = help.out.find(check.help_to);
    ASSERT_NE(from, std::string::npos) << help.out;
    ASSERT_NE(to, std::string::npos) << help.out;
    documented = help.out.substr(from, to - from);
  }
  // Options as Boost prints them: "  -u [ --url ] arg" or "  --targets-file arg".
  const auto in_help = long_options(documented, std::regex(R"((?:\[ |^  )--([a-z0-9-]+))", std::regex::multiline));
  const std::string readme = slurp(dir_of(check) + "/README.md");
  const auto table_start = readme.find("## Options");
  ASSERT_NE(table_start, std::string::npos);
  const std::string table = readme.substr(table_start, readme.find("\n## ", table_start + 1) - table_start);
  const auto in_readme = long_options(table, std::regex(R"(`(?:-[a-zA-Z0-9], )?--([a-z0-9-]+))"));
  ASSERT_GT(in_help.size(), check.min_options) << documented;
  for (const auto& o : in_help) EXPECT_TRUE(in_readme.count(o)) << "--" << o << " is in --help but not in the README";
  for (const auto& o : in_readme) EXPECT_TRUE(in_help.count(o)) << "--" << o << " is in the README but not in --help";
}

INSTANTIATE_TEST_SUITE_P(Checks, Docs, ::testing::ValuesIn(kChecks), name_of);

std::vector<CheckDocs> with_sample_runs() {
  std::vector<CheckDocs> out;
  for (const auto& check : kChecks) {
    if (check.run_sample) out.push_back(check);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Checks, DocsSamples, ::testing::ValuesIn(with_sample_runs()), name_of);

}  // namespace
}  // namespace cfmon::testing
