#include "cfmon/targets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ostream>
#include <string>
#include <vector>

#include "support/examples.hpp"
#include "support/temp_dir.hpp"
#include "support/unprivileged.hpp"

namespace cfmon {
namespace {

using cfmon::testing::TempDir;

std::vector<Target> parse_ok(std::string_view text) {
  auto targets = parse_targets(text);
  EXPECT_TRUE(targets.has_value()) << (targets ? "" : targets.error().message);
  return targets ? *targets : std::vector<Target>{};
}

std::string parse_error(std::string_view text) {
  auto targets = parse_targets(text);
  EXPECT_FALSE(targets.has_value()) << "accepted: " << text;
  return targets ? std::string{} : targets.error().message;
}

// --- default names -------------------------------------------------------------

// The URL, and its default name.
using NameCase = cfmon::testing::TextCase;

class DefaultTargetName : public ::testing::TestWithParam<NameCase> {};

TEST_P(DefaultTargetName, IsHostPortAndPath) {
  EXPECT_EQ(default_target_name(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Urls, DefaultTargetName,
                         ::testing::Values(NameCase{"https://app.example.com:8443/x/y", "app.example.com:8443/x/y"},
                                           NameCase{"https://app.example.com/", "app.example.com"},
                                           NameCase{"https://app.example.com", "app.example.com"},
                                           NameCase{"http://app.example.com/x/", "app.example.com/x/"},
                                           NameCase{"HTTPS://App.Example.com/Path", "App.Example.com/Path"},
                                           // Query and fragment are not part of the name.
                                           NameCase{"https://app.example.com/?token=abc", "app.example.com"},
                                           NameCase{"https://app.example.com/a?b=c#d", "app.example.com/a"},
                                           NameCase{"https://app.example.com#top", "app.example.com"},
                                           // Characters unsafe in perfdata labels / Zabbix keys become '_'.
                                           NameCase{"https://app.example.com/a%20b/~me", "app.example.com/a_20b/_me"},
                                           NameCase{"https://[::1]:8443/", "_::1_:8443"},
                                           // User info never leaks into a name.
                                           NameCase{"https://user:pw@app.example.com/", "app.example.com"}));

TEST(DefaultTargetNameLimits, LongPathsAreCutSoTheUrlStaysUsable) {
  const std::string url = "https://app.example.com/" + std::string(500, 'a');
  const std::string name = default_target_name(url);
  EXPECT_EQ(name.size(), 200U);
  EXPECT_TRUE(make_target(name, url).has_value());
}

// --- make_target -----------------------------------------------------------------

TEST(MakeTarget, AcceptsHttpAndHttpsUrls) {
  for (const char* url : {"https://app.example.com", "http://app.example.com/", "HTTPS://app.example.com/x",
                          "https://app.example.com:8443/a/b?c=d&e=f#g", "https://10.0.0.1:1/", "https://[::1]:65535/",
                          "https://[2001:db8::1]/health", "https://localhost", "https://my_host.internal./x",
                          "https://app.example.com/%E2%9C%93"}) {
    const auto t = make_target("t", url);
    EXPECT_TRUE(t.has_value()) << url << ": " << (t ? "" : t.error().message);
  }
}

TEST(MakeTarget, KeepsNameAndUrlAsGiven) {
  const auto t = make_target("app", "https://app.example.com/health");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->name, "app");
  EXPECT_EQ(t->url, "https://app.example.com/health");
}

// The URL, and the message.
using UrlRejectCase = cfmon::testing::TextCase;

class MakeTargetRejectsUrl : public ::testing::TestWithParam<UrlRejectCase> {};

TEST_P(MakeTargetRejectsUrl, WithAClearReason) {
  const auto t = make_target("name", GetParam().input);
  ASSERT_FALSE(t.has_value()) << "accepted " << GetParam().input;
  EXPECT_EQ(t.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, MakeTargetRejectsUrl,
    ::testing::Values(
        UrlRejectCase{"", "invalid URL: empty"},
        UrlRejectCase{"app.example.com", "invalid URL: must start with http:// or https://"},
        UrlRejectCase{"//app.example.com", "invalid URL: must start with http:// or https://"},
        UrlRejectCase{"ftp://app.example.com/", "invalid URL: unsupported scheme 'ftp' (use http or https)"},
        UrlRejectCase{"file:///etc/passwd", "invalid URL: unsupported scheme 'file' (use http or https)"},
        UrlRejectCase{"https:/app.example.com", "invalid URL: must start with http:// or https://"},
        UrlRejectCase{"https://", "invalid URL: missing host"},
        UrlRejectCase{"https:///path", "invalid URL: missing host"},
        UrlRejectCase{"https://:8443/", "invalid URL: missing host"},
        UrlRejectCase{"https://app.example.com:/", "invalid URL: empty port after ':'"},
        UrlRejectCase{"https://app.example.com:0/", "invalid URL: port must be a number from 1 to 65535"},
        UrlRejectCase{"https://app.example.com:65536/", "invalid URL: port must be a number from 1 to 65535"},
        UrlRejectCase{"https://app.example.com:https/", "invalid URL: port must be a number from 1 to 65535"},
        UrlRejectCase{"https://app example.com/", "invalid URL: contains whitespace or a control character"},
        UrlRejectCase{"https://app.example.com/a b", "invalid URL: contains whitespace or a control character"},
        UrlRejectCase{"https://app.example.com/\t", "invalid URL: contains whitespace or a control character"},
        UrlRejectCase{"https://app.example.com/\r\nX-Injected: 1",
                      "invalid URL: contains whitespace or a control character"},
        UrlRejectCase{"https://app.example.com/\x7f", "invalid URL: contains whitespace or a control character"},
        UrlRejectCase{"https://b\xC3\xBC"
                      "cher.example/",
                      "invalid URL: contains non-ASCII characters (percent-encode the path, use "
                      "punycode for the host)"},
        UrlRejectCase{"https://user:pass@app.example.com/",
                      "invalid URL: must not contain user:password@ (pass credentials through "
                      "the token options)"},
        UrlRejectCase{"https://app.exa$mple.com/", "invalid URL: invalid host 'app.exa$mple.com'"},
        UrlRejectCase{"https://-app.example.com/", "invalid URL: invalid host '-app.example.com'"},
        UrlRejectCase{"https://[::1/", "invalid URL: unterminated '[' in the IPv6 host"},
        UrlRejectCase{"https://[zz]/", "invalid URL: invalid IPv6 host '[zz]'"},
        UrlRejectCase{"https://[::1]x/", "invalid URL: unexpected text after the IPv6 host"}));

TEST(MakeTarget, UrlErrorsNeverRepeatTheQueryString) {
  const auto t = make_target("n", "https://app.example.com/?token=CANARY secret");
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message.find("CANARY"), std::string::npos) << t.error().message;
}

TEST(MakeTarget, RejectsNamesUnsafeForPerfdataAndZabbixKeys) {
  for (const char* name : {"", "has space", "a=b", "it's", "a|b", "a,b", "a\"b", "a[1]", "$x", "-starts-with-dash",
                           ".hidden", "/abs", "a\nb", "caf\xC3\xA9"}) {
    const auto t = make_target(name, "https://app.example.com/");
    EXPECT_FALSE(t.has_value()) << "accepted name " << ::testing::PrintToString(name);
  }
  EXPECT_EQ(make_target("", "https://x.example/").error().message, "empty target name");
  EXPECT_EQ(make_target("a=b", "https://x.example/").error().message,
            "invalid target name 'a=b' (use up to 200 letters, digits and . _ - : /, starting with "
            "a letter, digit or _)");
  EXPECT_FALSE(make_target(std::string(201, 'a'), "https://x.example/").has_value());
  EXPECT_TRUE(make_target(std::string(200, 'a'), "https://x.example/").has_value());
}

TEST(MakeTarget, AcceptsTypicalNames) {
  for (const char* name : {"app", "App-1", "_internal", "app.example.com:8443/x/y", "9lives", "a_b.c-d"}) {
    EXPECT_TRUE(make_target(name, "https://app.example.com/").has_value()) << name;
  }
}

TEST(MakeTarget, ChecksTheUrlBeforeTheName) {
  // With both wrong, fixing the URL first is what the user needs to know.
  EXPECT_EQ(make_target("bad name", "ftp://x/").error().message,
            "invalid URL: unsupported scheme 'ftp' (use http or https)");
}

// --- parse_targets ---------------------------------------------------------------

TEST(ParseTargets, ReadsNamedAndUnnamedTargets) {
  const auto targets = parse_ok(
      "# production apps\n"
      "\n"
      "wiki   https://wiki.example.com/\n"
      "grafana\thttps://grafana.example.com:8443/login\n"
      "https://app.example.com:8443/x/y\n"
      "  https://api.example.com/  # trailing comment\n"
      "   # indented comment\n");
  ASSERT_EQ(targets.size(), 4U);
  EXPECT_EQ(targets[0].name, "wiki");
  EXPECT_EQ(targets[0].url, "https://wiki.example.com/");
  EXPECT_EQ(targets[1].name, "grafana");
  EXPECT_EQ(targets[1].url, "https://grafana.example.com:8443/login");
  EXPECT_EQ(targets[2].name, "app.example.com:8443/x/y");
  EXPECT_EQ(targets[2].url, "https://app.example.com:8443/x/y");
  EXPECT_EQ(targets[3].name, "api.example.com");
}

TEST(ParseTargets, KeepsFileOrder) {
  const auto targets = parse_ok("z https://z.example/\na https://a.example/\nm https://m.example/\n");
  std::vector<std::string> names;
  for (const auto& t : targets) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"z", "a", "m"}));
}

TEST(ParseTargets, AHashInsideAUrlIsNotAComment) {
  const auto targets = parse_ok("spa https://app.example.com/#/dashboard # the SPA\n");
  ASSERT_EQ(targets.size(), 1U);
  EXPECT_EQ(targets[0].url, "https://app.example.com/#/dashboard");
}

TEST(ParseTargets, AcceptsCrlfBomAndNoFinalNewline) {
  const auto targets = parse_ok("\xEF\xBB\xBFone https://one.example/\r\n# c\r\ntwo https://two.example/");
  ASSERT_EQ(targets.size(), 2U);
  EXPECT_EQ(targets[0].name, "one");
  EXPECT_EQ(targets[0].url, "https://one.example/");  // no stray '\r'
  EXPECT_EQ(targets[1].url, "https://two.example/");
}

TEST(ParseTargets, EmptyOrCommentOnlyTextHasNoTargets) {
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("# nothing yet\n\n   \n").empty());
}

// The file's text, and the message.
using FileErrorCase = cfmon::testing::TextCase;

class ParseTargetsError : public ::testing::TestWithParam<FileErrorCase> {};

TEST_P(ParseTargetsError, NamesTheLine) {
  EXPECT_EQ(parse_error(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ParseTargetsError,
    ::testing::Values(
        FileErrorCase{"a https://a.example/\n# x\nb https://b.example/\na https://c.example/\n",
                      "line 4: duplicate target name 'a' (first on line 1)"},
        FileErrorCase{"https://a.example/x\nhttps://a.example/x\n",
                      "line 2: duplicate target name 'a.example/x' (first on line 1)"},
        FileErrorCase{"a https://a.example/\nb ftp://b.example/\n",
                      "line 2: invalid URL: unsupported scheme 'ftp' (use http or https)"},
        FileErrorCase{"\n\napp.example.com\n", "line 3: expected NAME URL or a URL starting with http:// or https://"},
        FileErrorCase{"https://a.example/ name\n", "line 1: expected NAME URL (the name comes first)"},
        FileErrorCase{"my app https://a.example/\n",
                      "line 1: too many fields (expected NAME URL or URL; names cannot contain blanks)"},
        FileErrorCase{"a=b https://a.example/\n",
                      "line 1: invalid target name 'a=b' (use up to 200 letters, digits and . _ - : /, "
                      "starting with a letter, digit or _)"},
        FileErrorCase{"a https://\n", "line 1: invalid URL: missing host"},
        FileErrorCase{"a https://u:p@a.example/\n",
                      "line 1: invalid URL: must not contain user:password@ (pass credentials through the "
                      "token options)"},
        FileErrorCase{"a https://a.example/\x01x\n", "line 1: invalid URL: contains whitespace or a control character"},
        FileErrorCase{"ok https://a.example/\r\nbad https://b.example/\rx\r\n",
                      "line 2: invalid URL: contains whitespace or a control character"}));

TEST(ParseTargets, RejectsNulBytes) {
  using namespace std::string_literals;
  EXPECT_EQ(parse_error("a https://a.example/\nb https://b\0.example/\n"s), "line 2: contains a NUL byte");
}

// --- read_targets_file -------------------------------------------------------------

class TargetsFile : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(TargetsFile, ReadsAFile) {
  const std::string path = dir_.write("targets.txt", "wiki https://wiki.example.com/\nhttps://b.example/\n");
  const auto targets = read_targets_file(path);
  ASSERT_TRUE(targets.has_value()) << targets.error().message;
  ASSERT_EQ(targets->size(), 2U);
  EXPECT_EQ((*targets)[1].name, "b.example");
}

TEST_F(TargetsFile, ParseErrorsNameThePathAndLine) {
  const std::string path = dir_.write("targets.txt", "a https://a.example/\na https://b.example/\n");
  const auto targets = read_targets_file(path);
  ASSERT_FALSE(targets.has_value());
  EXPECT_EQ(targets.error().message,
            "targets file '" + path + "': line 2: duplicate target name 'a' (first on line 1)");
}

TEST_F(TargetsFile, FileErrorsNameThePath) {
  using namespace std::string_literals;
  const std::string missing = dir_.path() + "/missing.txt";
  EXPECT_EQ(read_targets_file(missing).error().message, "targets file '" + missing + "': no such file");
  EXPECT_EQ(read_targets_file(dir_.path()).error().message,
            "targets file '" + dir_.path() + "': is a directory, not a file");
  const std::string big = dir_.write("big.txt", std::string(64, '#'));
  EXPECT_EQ(read_targets_file(big, 63).error().message, "targets file '" + big + "': too large (64 bytes, limit 63)");
  const std::string bin = dir_.write("bin", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s);
  EXPECT_EQ(read_targets_file(bin).error().message,
            "targets file '" + bin + "': line 1: not valid UTF-8 text (binary file?)");
  const std::string nul = dir_.write("nul", "a https://a.example/\n\0"s);
  EXPECT_EQ(read_targets_file(nul).error().message,
            "targets file '" + nul + "': line 2: contains a NUL byte (binary file?)");
}

TEST_F(TargetsFile, PermissionDenied) {
  const std::string path = dir_.path() + "/locked.txt";
  const auto message =
      cfmon::testing::read_unreadable(dir_, "locked.txt", "a https://a.example/\n", [](const std::string& file) {
        const auto targets = read_targets_file(file);
        return targets ? std::string("unexpectedly readable") : targets.error().message;
      });
  if (!message) GTEST_SKIP() << "running as root and cannot drop privileges to test EACCES";
  EXPECT_EQ(*message, "targets file '" + path + "': permission denied");
}

}  // namespace
}  // namespace cfmon
