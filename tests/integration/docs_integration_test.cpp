// Docs come from one source: the samples in plugins/access/samples are real
// output of the binary against the emulator (numbers aside), the README shows
// exactly those samples, and its option table matches --help.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace cfmon::testing {
namespace {

const std::string kAccessDir = std::string(CFMON_SOURCE_DIR) + "/plugins/access";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Timings and the emulator's ephemeral port change from run to run.
std::string normalise(std::string text, int port) {
  text = std::regex_replace(text, std::regex(":" + std::to_string(port)), ":PORT");
  text = std::regex_replace(text, std::regex(R"(\d+\.\d+)"), "N");
  return text;
}

struct Sample {
  std::string file;
  std::vector<std::string> apps;  // name app pairs in the targets file
  std::string format;
};

const std::vector<Sample> kSamples{
    {"three-apps.nagios.txt", {"shop", "ok", "grafana", "origin-502", "wiki", "legacy-403"}, "nagios"},
    {"three-apps.influx.txt", {"shop", "ok", "grafana", "origin-502", "wiki", "legacy-403"}, "influx"},
    {"three-apps.zabbix.txt", {"shop", "ok", "grafana", "origin-502", "wiki", "legacy-403"}, "zabbix"},
    {"one-app.json.txt", {"shop", "ok"}, "json"},
};

RunResult run_sample(const Sample& sample, const TempDir& dir) {
  auto& emu = shared_emulator();
  std::string targets = "# NAME URL\n";
  std::vector<std::string> args{"--ca-file", emu.ca_file(), "--format", sample.format};
  for (std::size_t i = 0; i + 1 < sample.apps.size(); i += 2) {
    targets += sample.apps[i] + " " + emu.url(sample.apps[i + 1]) + "\n";
    args.push_back("--resolve");
    args.push_back(sample.apps[i + 1] + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1");
  }
  args.push_back("--targets-file");
  args.push_back(dir.write("targets-" + sample.format, targets));
  return run(CFMON_CHECK_CF_ACCESS, args,
             {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
              {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}});
}

TEST(Docs, SamplesAreWhatTheBinaryPrints) {
  auto& emu = shared_emulator();
  TempDir dir;
  const bool update = std::getenv("CFMON_UPDATE_SAMPLES") != nullptr;
  for (const auto& sample : kSamples) {
    const auto r = run_sample(sample, dir);
    const std::string path = kAccessDir + "/samples/" + sample.file;
    if (update) {
      std::ofstream(path, std::ios::binary)
          << std::regex_replace(r.out, std::regex(":" + std::to_string(emu.port())), ":8443");
      continue;
    }
    const std::string expected = std::regex_replace(slurp(path), std::regex(":8443"), ":" + std::to_string(emu.port()));
    ASSERT_FALSE(expected.empty()) << path << " is missing; run with CFMON_UPDATE_SAMPLES=1";
    EXPECT_EQ(normalise(r.out, emu.port()), normalise(expected, emu.port())) << sample.file;
  }
}

TEST(Docs, ReadmeShowsTheSamplesVerbatim) {
  const std::string readme = slurp(kAccessDir + "/README.md");
  for (const auto& sample : kSamples) {
    const std::string content = slurp(kAccessDir + "/samples/" + sample.file);
    ASSERT_FALSE(content.empty()) << sample.file;
    EXPECT_NE(readme.find("```\n" + content + "```"), std::string::npos)
        << "plugins/access/README.md does not show samples/" << sample.file << " verbatim";
  }
}

std::set<std::string> long_options(const std::string& text, const std::regex& pattern) {
  std::set<std::string> found;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) found.insert((*it)[1]);
  return found;
}

TEST(Docs, ReadmeOptionTableMatchesHelp) {
  const auto help = run(CFMON_CHECK_CF_ACCESS, {"--help"});
  // Options as Boost prints them: "  -u [ --url ] arg" or "  --targets-file arg".
  const auto in_help = long_options(help.out, std::regex(R"((?:\[ |^  )--([a-z0-9-]+))", std::regex::multiline));
  const std::string readme = slurp(kAccessDir + "/README.md");
  const auto table_start = readme.find("## Options");
  ASSERT_NE(table_start, std::string::npos);
  const std::string table = readme.substr(table_start, readme.find("\n## ", table_start + 1) - table_start);
  const auto in_readme = long_options(table, std::regex(R"(`(?:-[a-zA-Z0-9], )?--([a-z0-9-]+))"));
  ASSERT_GT(in_help.size(), 20U) << help.out;
  for (const auto& o : in_help) EXPECT_TRUE(in_readme.count(o)) << "--" << o << " is in --help but not in the README";
  for (const auto& o : in_readme) EXPECT_TRUE(in_help.count(o)) << "--" << o << " is in the README but not in --help";
}

}  // namespace
}  // namespace cfmon::testing
