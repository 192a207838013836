#include "cfmon/dotenv.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ostream>
#include <string>
#include <vector>

#include "support/examples.hpp"
#include "support/temp_dir.hpp"
#include "support/unprivileged.hpp"

namespace cfmon {
namespace {

using cfmon::testing::TempDir;

DotenvMap parse_ok(std::string_view text) {
  auto parsed = parse_dotenv(text);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : DotenvMap{};
}

std::string parse_error(std::string_view text) {
  auto parsed = parse_dotenv(text);
  EXPECT_FALSE(parsed.has_value()) << "accepted: " << text;
  return parsed ? std::string{} : parsed.error().message;
}

// --- what a well-formed file yields ------------------------------------------

struct ValueCase {
  const char* line;
  const char* key;
  const char* value;
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
void PrintTo(const ValueCase& c, std::ostream* os) {
  *os << ::testing::PrintToString(c.line);
}

class DotenvValue : public ::testing::TestWithParam<ValueCase> {};

TEST_P(DotenvValue, ParsesAsDocumented) {
  const ValueCase& c = GetParam();
  const DotenvMap env = parse_ok(c.line);
  ASSERT_EQ(env.size(), 1U) << c.line;
  ASSERT_EQ(env.count(c.key), 1U) << c.line;
  EXPECT_EQ(env.at(c.key), c.value) << c.line;
}

INSTANTIATE_TEST_SUITE_P(
    Forms, DotenvValue,
    ::testing::Values(
        // Plain and spaced.
        ValueCase{"KEY=value", "KEY", "value"}, ValueCase{"KEY = value", "KEY", "value"},
        ValueCase{"  KEY\t=\tvalue  ", "KEY", "value"}, ValueCase{"KEY=two words", "KEY", "two words"},
        ValueCase{"URL=https://x.example/?a=b&c=d", "URL", "https://x.example/?a=b&c=d"},
        // Empty values.
        ValueCase{"KEY=", "KEY", ""}, ValueCase{"KEY=   ", "KEY", ""}, ValueCase{"KEY=''", "KEY", ""},
        ValueCase{"KEY=\"\"", "KEY", ""}, ValueCase{"KEY= # only a comment", "KEY", ""},
        // export prefix.
        ValueCase{"export KEY=value", "KEY", "value"}, ValueCase{"export\t  KEY=value", "KEY", "value"},
        ValueCase{"exported=1", "exported", "1"},
        // Keys.
        ValueCase{"_k=1", "_k", "1"}, ValueCase{"a.b_C9=1", "a.b_C9", "1"},
        // Comments after unquoted values need a blank before '#'.
        ValueCase{"KEY=value # note", "KEY", "value"}, ValueCase{"KEY=value\t#note", "KEY", "value"},
        ValueCase{"KEY=val#ue", "KEY", "val#ue"}, ValueCase{"KEY=#value", "KEY", "#value"},
        // Quotes inside an unquoted value are literal.
        ValueCase{"KEY=it's \"fine\"", "KEY", "it's \"fine\""},
        // Single quotes: literal, keep blanks, '#', backslashes and '$'.
        ValueCase{"KEY=' padded '", "KEY", " padded "}, ValueCase{"KEY='a # b'", "KEY", "a # b"},
        ValueCase{"KEY='a\\nb'", "KEY", "a\\nb"}, ValueCase{"KEY='a\"b'", "KEY", "a\"b"},
        ValueCase{"KEY='x' # note", "KEY", "x"},
        // Double quotes: the documented escapes.
        ValueCase{"KEY=\"a\\nb\"", "KEY", "a\nb"}, ValueCase{"KEY=\"a\\tb\"", "KEY", "a\tb"},
        ValueCase{"KEY=\"a\\rb\"", "KEY", "a\rb"}, ValueCase{"KEY=\"a\\\"b\"", "KEY", "a\"b"},
        ValueCase{"KEY=\"a\\\\b\"", "KEY", "a\\b"}, ValueCase{"KEY=\"a\\$b\"", "KEY", "a$b"},
        ValueCase{"KEY=\"ends\\\\\"", "KEY", "ends\\"},
        // Unknown escapes are kept as written.
        ValueCase{"KEY=\"a\\qb\"", "KEY", "a\\qb"}, ValueCase{"KEY=\"C:\\dir\"", "KEY", "C:\\dir"},
        ValueCase{"KEY=\"a\\'b\"", "KEY", "a\\'b"}, ValueCase{"KEY=\" a # b \" # note", "KEY", " a # b "},
        ValueCase{"KEY=\"x\"# note", "KEY", "x"},
        // Nothing is expanded or executed, in any quoting.
        ValueCase{"KEY=$(rm -rf /)", "KEY", "$(rm -rf /)"}, ValueCase{"KEY=`id`", "KEY", "`id`"},
        ValueCase{"KEY=${HOME}", "KEY", "${HOME}"}, ValueCase{"KEY=$HOME", "KEY", "$HOME"},
        ValueCase{"KEY=\"$(id) `id` ${HOME} $HOME\"", "KEY", "$(id) `id` ${HOME} $HOME"},
        ValueCase{"KEY='$(id) ${HOME}'", "KEY", "$(id) ${HOME}"}));

TEST(Dotenv, ReadsATypicalFile) {
  const DotenvMap env = parse_ok(
      "# Cloudflare service token for monitoring\n"
      "\n"
      "export CF_ACCESS_CLIENT_ID=abc123.access\n"
      "CF_ACCESS_CLIENT_SECRET='s3cr3t$with#chars'\n"
      "   # indented comment\n"
      "CF_API_TOKEN=\"tok\"  # trailing comment\n");
  EXPECT_EQ(env.size(), 3U);
  EXPECT_EQ(env.at("CF_ACCESS_CLIENT_ID"), "abc123.access");
  EXPECT_EQ(env.at("CF_ACCESS_CLIENT_SECRET"), "s3cr3t$with#chars");
  EXPECT_EQ(env.at("CF_API_TOKEN"), "tok");
}

TEST(Dotenv, EmptyAndCommentOnlyTextsYieldNothing) {
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("\n\n  \t\n").empty());
  EXPECT_TRUE(parse_ok("# a\n#b=c\n").empty());
}

TEST(Dotenv, LastDuplicateWins) {
  const DotenvMap env = parse_ok("A=1\nB=x\nA=2\nexport A=3\n");
  EXPECT_EQ(env.at("A"), "3");
  EXPECT_EQ(env.at("B"), "x");
}

TEST(Dotenv, KeysAreCaseSensitive) {
  const DotenvMap env = parse_ok("key=1\nKEY=2\n");
  EXPECT_EQ(env.at("key"), "1");
  EXPECT_EQ(env.at("KEY"), "2");
}

TEST(Dotenv, AcceptsCrlfLineEnds) {
  const DotenvMap env = parse_ok("A=1\r\nB='two'\r\nC=\"three\"\r\n# c\r\nD=four # x\r\nE=\r\n");
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two");
  EXPECT_EQ(env.at("C"), "three");
  EXPECT_EQ(env.at("D"), "four");
  EXPECT_EQ(env.at("E"), "");
}

TEST(Dotenv, AcceptsAMissingFinalNewline) {
  EXPECT_EQ(parse_ok("A=1\nB=2").at("B"), "2");
  EXPECT_EQ(parse_ok("A=1\r\nB=2\r").at("B"), "2");
}

TEST(Dotenv, SkipsAUtf8BomAtTheStart) {
  const DotenvMap env = parse_ok("\xEF\xBB\xBFKEY=value\n");
  EXPECT_EQ(env.at("KEY"), "value");
}

TEST(Dotenv, KeepsUtf8InValues) {
  EXPECT_EQ(parse_ok("K=h\xC3\xA9llo \xE2\x9C\x93").at("K"), "h\xC3\xA9llo \xE2\x9C\x93");
}

TEST(Dotenv, DoubleQuotedValuesMaySpanLines) {
  const DotenvMap env = parse_ok(
      "PEM=\"-----BEGIN KEY-----\n"
      "abc\n"
      "-----END KEY-----\"\n"
      "NEXT=1\n");
  EXPECT_EQ(env.at("PEM"), "-----BEGIN KEY-----\nabc\n-----END KEY-----");
  EXPECT_EQ(env.at("NEXT"), "1");
}

TEST(Dotenv, MultiLineValuesWithCrlfBecomeLf) {
  const DotenvMap env = parse_ok("V=\"a\r\nb\"\r\nW=2\r\n");
  EXPECT_EQ(env.at("V"), "a\nb");
  EXPECT_EQ(env.at("W"), "2");
}

TEST(Dotenv, LineNumbersStayRightAfterAMultiLineValue) {
  const std::string msg = parse_error("A=\"x\ny\nz\"\nB=1\n9BAD=2\n");
  EXPECT_EQ(msg.rfind("line 5:", 0), 0U) << msg;
}

// --- errors ------------------------------------------------------------------

// The text, and the message (exact: users read these).
using ErrorCase = cfmon::testing::TextCase;

class DotenvError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DotenvError, NamesTheLineAndTheProblem) {
  EXPECT_EQ(parse_error(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, DotenvError,
    ::testing::Values(ErrorCase{"A=1\nB=2\nC=\"oops\n", "line 3: unterminated double quote in the value of C"},
                      ErrorCase{"A='oops\nB=2'\n", "line 1: unterminated single quote in the value of A"},
                      ErrorCase{"A=1\n=value\n", "line 2: missing key before '='"},
                      ErrorCase{"JUSTAWORD\n", "line 1: expected KEY=VALUE, found no '='"},
                      ErrorCase{"export\n", "line 1: expected KEY=VALUE, found no '='"},
                      ErrorCase{"export   \n", "line 1: 'export' without KEY=VALUE"},
                      ErrorCase{"A=1\n\n\"quoted\"=x\n", "line 3: expected KEY=VALUE"},
                      ErrorCase{"FOO-BAR=1\n",
                                "line 1: invalid key (use letters, digits, '_' and '.', not starting with a "
                                "digit or '.')"},
                      ErrorCase{"1ABC=1\n",
                                "line 1: invalid key (use letters, digits, '_' and '.', not starting with a "
                                "digit or '.')"},
                      ErrorCase{".A=1\n",
                                "line 1: invalid key (use letters, digits, '_' and '.', not starting with a "
                                "digit or '.')"},
                      ErrorCase{"FOO BAR=1\n", "line 1: expected '=' after the key"},
                      ErrorCase{"A='x'y\n", "line 1: unexpected text after the closing quote of A"},
                      ErrorCase{"A=\"x\ny\" z\n", "line 2: unexpected text after the closing quote of A"},
                      ErrorCase{"A=\"trailing backslash\\", "line 1: unterminated double quote in the value of A"},
                      ErrorCase{"A=1\n\xEF\xBB\xBF"
                                "B=2\n",
                                "line 2: expected KEY=VALUE"}));

TEST(Dotenv, RejectsNulBytes) {
  using namespace std::string_literals;
  EXPECT_EQ(parse_error("A=1\nB=x\0y\n"s), "line 2: contains a NUL byte");
}

TEST(Dotenv, ErrorsNeverContainTheValue) {
  // Each malformed line holds the canary where a value (or a pasted secret) would be.
  const std::vector<std::string> inputs = {
      "SECRET=\"CANARY-s3cr3t",
      "SECRET='CANARY-s3cr3t",
      "SECRET=\"CANARY-s3cr3t\" junk",
      "SECRET='CANARY-s3cr3t'junk",
      "CANARY-s3cr3t",
      "CANARY-s3cr3t=1",
      "=CANARY-s3cr3t",
      "SE CRET=CANARY-s3cr3t",
      "\"CANARY-s3cr3t\"",
      "CANARYs3cr3t",
  };
  for (const std::string& input : inputs) {
    const auto parsed = parse_dotenv(input);
    ASSERT_FALSE(parsed.has_value()) << input;
    EXPECT_EQ(parsed.error().message.find("CANARY"), std::string::npos)
        << "input: " << input << "\nmessage: " << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos);
  }
}

// --- files -------------------------------------------------------------------

class DotenvFile : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(DotenvFile, ReadsAFile) {
  const std::string path = dir_.write("cf.env", "\xEF\xBB\xBFID=a\r\nSECRET='b'\r\n");
  const auto env = read_dotenv_file(path);
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(env->at("ID"), "a");
  EXPECT_EQ(env->at("SECRET"), "b");
}

TEST_F(DotenvFile, DevNullIsAnEmptyFile) {
  const auto env = read_dotenv_file("/dev/null");
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_TRUE(env->empty());
}

TEST_F(DotenvFile, MissingFile) {
  const std::string path = dir_.path() + "/nope.env";
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': no such file");
}

TEST_F(DotenvFile, MissingParentDirectory) {
  const std::string path = dir_.write("plain", "A=1\n") + "/child.env";
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': no such file (a parent is not a directory)");
}

TEST_F(DotenvFile, Directory) {
  const auto env = read_dotenv_file(dir_.path());
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + dir_.path() + "': is a directory, not a file");
}

TEST_F(DotenvFile, EmptyPath) {
  const auto env = read_dotenv_file("");
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file: empty path");
}

TEST_F(DotenvFile, TooLarge) {
  const std::string path = dir_.write("big.env", "A=" + std::string(100, 'x') + "\n");
  const auto env = read_dotenv_file(path, 50);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': too large (103 bytes, limit 50)");
}

TEST_F(DotenvFile, ExactlyAtTheLimitIsAccepted) {
  const std::string path = dir_.write("edge.env", "A=12345\n");  // 8 bytes
  EXPECT_TRUE(read_dotenv_file(path, 8).has_value());
  EXPECT_FALSE(read_dotenv_file(path, 7).has_value());
}

TEST_F(DotenvFile, DefaultLimitIsOneMebibyte) {
  const std::string path = dir_.write("huge.env", std::string((1 << 20) + 1, '#'));
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_NE(env.error().message.find("too large"), std::string::npos) << env.error().message;
}

TEST_F(DotenvFile, BinaryWithNulBytes) {
  using namespace std::string_literals;
  const std::string path = dir_.write("junk.bin",
                                      "A=1\n\x7f"
                                      "ELF\0\0\x01\x02"s);
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': line 2: contains a NUL byte (binary file?)");
}

TEST_F(DotenvFile, BinaryWithoutNulBytes) {
  const std::string path = dir_.write("junk.bin", "A=1\nB=\xff\xd8\xff\xe0\n");
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': line 2: not valid UTF-8 text (binary file?)");
}

TEST_F(DotenvFile, AcceptsAnyValidUtf8AndRejectsMalformedSequences) {
  const std::string good = dir_.write("good.env", "A=\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \xEF\xBF\xBF\n");
  const auto env = read_dotenv_file(good);
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(env->at("A"), "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \xEF\xBF\xBF");
  // Latin-1, overlong, surrogate, beyond U+10FFFF, truncated, stray continuation.
  for (const char* bad : {"A=caf\xE9\n", "A=\xC0\x80\n", "A=\xED\xA0\x80\n", "A=\xF4\x90\x80\x80\n", "A=\xE2\x82\n",
                          "A=\x80\n", "A=\xE0\x80\xAF\n", "A=\xF0\x80\x80\xAF\n"}) {
    const std::string path = dir_.write("bad.env", bad);
    const auto parsed = read_dotenv_file(path);
    ASSERT_FALSE(parsed.has_value()) << ::testing::PrintToString(bad);
    EXPECT_EQ(parsed.error().message, "env file '" + path + "': line 1: not valid UTF-8 text (binary file?)");
  }
}

TEST_F(DotenvFile, Utf16SavedByAWindowsEditor) {
  using namespace std::string_literals;
  const std::string path = dir_.write("win.env",
                                      "\xff\xfe"
                                      "A\0=\0"
                                      "1\0"s);
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': is UTF-16 text; save it as UTF-8");
}

TEST_F(DotenvFile, ParseErrorsNameThePathAndLineButNotTheValue) {
  const std::string path = dir_.write("bad.env", "OK=1\nSECRET=\"CANARY\n");
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message, "env file '" + path + "': line 2: unterminated double quote in the value of SECRET");
}

TEST_F(DotenvFile, PathWithControlCharactersStaysOneLine) {
  const std::string path = dir_.path() + "/a\nb.env";
  const auto env = read_dotenv_file(path);
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().message.find('\n'), std::string::npos);
  EXPECT_NE(env.error().message.find("a?b.env"), std::string::npos) << env.error().message;
}

TEST_F(DotenvFile, PermissionDenied) {
  const std::string path = dir_.path() + "/locked.env";
  const auto message = cfmon::testing::read_unreadable(dir_, "locked.env", "A=1\n", [](const std::string& file) {
    const auto env = read_dotenv_file(file);
    return env ? std::string("unexpectedly readable") : env.error().message;
  });
  if (!message) GTEST_SKIP() << "running as root and cannot drop privileges to test EACCES";
  EXPECT_EQ(*message, "env file '" + path + "': permission denied");
}

TEST_F(DotenvFile, ReadsFromAPipe) {
  // `--env-file <(pass show cf)` hands over a pipe; it must work like a file.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string text = "A=from-pipe\n";
  ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  const auto env = read_dotenv_file("/dev/fd/" + std::to_string(fds[0]));
  ::close(fds[0]);
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(env->at("A"), "from-pipe");
}

}  // namespace
}  // namespace cfmon
