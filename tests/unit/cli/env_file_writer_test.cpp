#include "env_file_writer.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/unprivileged.hpp"

namespace cfmon {
namespace {

using cfmon::testing::slurp;
using cfmon::testing::TempDir;

EnvChange set(std::string key, std::string value) {
  return EnvChange{std::move(key), Secret(std::move(value))};
}
EnvChange unset(std::string key) {
  return EnvChange{std::move(key), std::nullopt};
}

std::string apply_ok(std::string_view text, const std::vector<EnvChange>& changes) {
  auto out = apply_env_changes(text, changes);
  EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
  return out ? *out : std::string{};
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// --- the pure text edit -------------------------------------------------------

TEST(EnvQuote, EveryValueReadsBackExactly) {
  const std::vector<std::string> values = {
      "0123456789abcdef0123456789abcdef",  // what Cloudflare returns
      "abc.access",
      "",
      "two words",
      " leading and trailing ",
      "a#b",
      "a #b",
      "#start",
      "it's",
      "say \"hi\"",
      "both ' and \"",
      "line1\nline2",
      "cr\r\nlf",
      "$HOME ${HOME} $(id) `id`",
      "back\\slash\\n",
      "tab\there",
      "=leading=equals",
      "caf\xC3\xA9 \xE2\x82\xAC",
      "'",
      "\"",
      "\\",
  };
  for (const auto& v : values) {
    const std::string text = apply_ok("", {set("KEY", v)});
    const auto parsed = parse_dotenv(text);
    ASSERT_TRUE(parsed.has_value()) << ::testing::PrintToString(text) << ": " << parsed.error().message;
    EXPECT_EQ(parsed->at("KEY"), v) << ::testing::PrintToString(text);
  }
}

TEST(EnvQuote, PlainValuesStayUnquotedAndOthersAreQuoted) {
  EXPECT_EQ(quote_env_value("0123abcdef"), "0123abcdef");
  EXPECT_EQ(quote_env_value("a.b-c_d/e:f@g+h,i=j%k"), "a.b-c_d/e:f@g+h,i=j%k");
  EXPECT_EQ(quote_env_value(""), "''");
  EXPECT_EQ(quote_env_value("a b"), "'a b'");
  EXPECT_EQ(quote_env_value("$(rm -rf /)"), "'$(rm -rf /)'");  // literal in a shell too
  EXPECT_EQ(quote_env_value("it's $x"), "\"it's \\$x\"");
}

TEST(EnvApply, ReplacesInPlaceAndKeepsEveryOtherByte) {
  const std::string text =
      "\xEF\xBB\xBF# Cloudflare credentials\r\n"
      "\r\n"
      "export CF_SERVICE_TOKEN_CLIENT_ID=old.access   # the monitoring token\r\n"
      "  OTHER = 'keep me'\r\n"
      "# a comment between\r\n"
      "CF_SERVICE_TOKEN_CLIENT_SECRET=\"old\nsecret\"\r\n"
      "LAST=1";
  const std::string out = apply_ok(
      text, {set("CF_SERVICE_TOKEN_CLIENT_ID", "new.access"), set("CF_SERVICE_TOKEN_CLIENT_SECRET", "abc123")});
  EXPECT_EQ(out,
            "\xEF\xBB\xBF# Cloudflare credentials\r\n"
            "\r\n"
            "export CF_SERVICE_TOKEN_CLIENT_ID=new.access   # the monitoring token\r\n"
            "  OTHER = 'keep me'\r\n"
            "# a comment between\r\n"
            "CF_SERVICE_TOKEN_CLIENT_SECRET=abc123\r\n"
            "LAST=1");
}

TEST(EnvApply, AppendsNewKeysWithTheFilesLineEnd) {
  EXPECT_EQ(apply_ok("A=1\r\nB=2\r\n", {set("C", "3"), set("D", "4")}), "A=1\r\nB=2\r\nC=3\r\nD=4\r\n");
  EXPECT_EQ(apply_ok("A=1\nB=2\n", {set("C", "3")}), "A=1\nB=2\nC=3\n");
  // No final line end: one is added before the new line, nothing else moves.
  EXPECT_EQ(apply_ok("A=1\r\n# tail", {set("C", "3")}), "A=1\r\n# tail\r\nC=3\r\n");
  EXPECT_EQ(apply_ok("", {set("C", "3")}), "C=3\n");
  // A CRLF file cut after its last CR (found by fuzzing): the CR is completed, not kept
  // inside the value "1".
  EXPECT_EQ(apply_ok("A=1\r\nB=1\r", {set("C", "3")}), "A=1\r\nB=1\r\nC=3\r\n");
  EXPECT_EQ(apply_ok("A=1\r\n\r", {set("C", "3")}), "A=1\r\n\r\nC=3\r\n");
  EXPECT_EQ(apply_ok("\xEF\xBB\xBF", {set("C", "3")}),
            "\xEF\xBB\xBF"
            "C=3\n");
}

TEST(EnvApply, LastDuplicateIsReplacedAndEarlierOnesRemoved) {
  EXPECT_EQ(apply_ok("A=1\nB=2\n#c\nA=3\nC=4\n", {set("A", "9")}), "B=2\n#c\nA=9\nC=4\n");
}

TEST(EnvApply, RemovesEveryOccurrence) {
  EnvWriteOutcome outcome;
  auto out = apply_env_changes("A=1\nB=2\nA=3\n# keep\n", {unset("A"), unset("MISSING")}, &outcome);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "B=2\n# keep\n");
  EXPECT_EQ(outcome.removed, std::vector<std::string>{"A"});
}

TEST(EnvApply, ATrailingCommentStaysAComment) {
  EXPECT_EQ(apply_ok("A=old # note\n", {set("A", "new")}), "A=new # note\n");
  EXPECT_EQ(apply_ok("A='old'# note\n", {set("A", "new")}), "A=new # note\n");
  EXPECT_EQ(apply_ok("A= # note\n", {set("A", "new")}), "A= new # note\n");
  EXPECT_EQ(apply_ok("A=\n", {set("A", "new")}), "A=new\n");
}

TEST(EnvApply, LaterChangesToOneKeyWin) {
  EXPECT_EQ(apply_ok("A=1\n", {set("A", "2"), set("A", "3")}), "A=3\n");
  EXPECT_EQ(apply_ok("A=1\n", {set("A", "2"), unset("A")}), "");
}

TEST(EnvApply, RefusesBadKeysAndUnreadableFilesWithoutEchoingValues) {
  auto bad_key = apply_env_changes("", {set("1KEY", "canary-value")});
  ASSERT_FALSE(bad_key.has_value());
  EXPECT_NE(bad_key.error().message.find("invalid key"), std::string::npos);

  auto nul = apply_env_changes("", {set("KEY", std::string("canary\0value", 12))});
  ASSERT_FALSE(nul.has_value());
  EXPECT_EQ(nul.error().message.find("canary"), std::string::npos);

  auto broken = apply_env_changes("A='canary-secret\n", {set("B", "1")});
  ASSERT_FALSE(broken.has_value());
  EXPECT_NE(broken.error().message.find("line 1"), std::string::npos) << broken.error().message;
  EXPECT_EQ(broken.error().message.find("canary"), std::string::npos) << broken.error().message;
}

TEST(DotenvScan, LocatesEntriesIncludingTheBom) {
  const std::string text =
      "\xEF\xBB\xBF"
      "A=1\n# c\nexport B = 'x' # y\r\n";
  auto entries = scan_dotenv(text);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2U);
  const auto& b = (*entries)[1];
  EXPECT_EQ(text.substr(b.begin, b.end - b.begin), "export B = 'x' # y\r\n");
  EXPECT_EQ(text.substr(b.value_begin, b.value_end - b.value_begin), "'x'");
  EXPECT_EQ(text.substr((*entries)[0].begin, 3), "A=1");
}

// --- the file -----------------------------------------------------------------

class EnvFile : public ::testing::Test {
 protected:
  std::string path(const std::string& name = ".env") const { return dir_.path() + "/" + name; }
  TempDir dir_;
};

TEST_F(EnvFile, CreatesAMissingFileWithMode0600) {
  const mode_t old_umask = ::umask(0);  // the file must not depend on the caller's umask
  auto outcome = update_env_file(path(), {set("A", "1")});
  ::umask(old_umask);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_TRUE(outcome->created);
  EXPECT_EQ(slurp(path()), "A=1\n");
  EXPECT_EQ(mode_of(path()), 0600U);
  EXPECT_EQ(names_in(dir_.path()), (std::vector<std::string>{"..env.lock", ".env"}));
}

TEST_F(EnvFile, TightensAnOpenFileTo0600WithAWarning) {
  dir_.write(".env", "# mine\nA=1\n");
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  auto outcome = update_env_file(path(), {set("B", "2")});
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_EQ(slurp(path()), "# mine\nA=1\nB=2\n");
  EXPECT_EQ(mode_of(path()), 0600U);
  ASSERT_EQ(outcome->warnings.size(), 1U);
  EXPECT_NE(outcome->warnings[0].find("0644"), std::string::npos) << outcome->warnings[0];
  EXPECT_NE(outcome->warnings[0].find(path()), std::string::npos) << outcome->warnings[0];
}

TEST_F(EnvFile, KeepsMode0600AndWritesNothingWhenNothingChanges) {
  dir_.write(".env", "A=1\n");
  ASSERT_EQ(::chmod(path().c_str(), 0600), 0);
  struct stat before {};
  ASSERT_EQ(::stat(path().c_str(), &before), 0);
  auto outcome = update_env_file(path(), {set("A", "1")});
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_FALSE(outcome->changed);
  struct stat after {};
  ASSERT_EQ(::stat(path().c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the file was rewritten";
  EXPECT_TRUE(outcome->warnings.empty());
}

TEST_F(EnvFile, UpdatesTheTargetOfASymlinkAndKeepsTheLink) {
  ASSERT_TRUE(std::filesystem::create_directory(dir_.path() + "/secrets"));
  dir_.write("secrets/real.env", "A=1\n");
  ASSERT_EQ(::symlink("secrets/real.env", path().c_str()), 0);
  auto outcome = update_env_file(path(), {set("B", "2")});
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_TRUE(std::filesystem::is_symlink(path()));
  EXPECT_EQ(slurp(dir_.path() + "/secrets/real.env"), "A=1\nB=2\n");
}

TEST_F(EnvFile, RefusesADanglingSymlinkADirectoryAndABrokenFile) {
  ASSERT_EQ(::symlink("nowhere.env", path().c_str()), 0);
  auto dangling = update_env_file(path(), {set("A", "1")});
  ASSERT_FALSE(dangling.has_value());
  EXPECT_EQ(dangling.error().message, "env file '" + path() + "': is a dangling symbolic link");

  ASSERT_TRUE(std::filesystem::create_directory(path("adir")));
  auto directory = update_env_file(path("adir"), {set("A", "1")});
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().message, "env file '" + path("adir") + "': is a directory, not a file");

  const std::string broken = "A=\"canary-unterminated\n";
  dir_.write("broken.env", broken);
  auto refused = update_env_file(path("broken.env"), {set("B", "1")});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message.find("canary"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("cannot be updated safely"), std::string::npos) << refused.error().message;
  EXPECT_EQ(slurp(path("broken.env")), broken);
}

TEST_F(EnvFile, PlannerSeesTheCurrentValues) {
  dir_.write(".env", "X_CF_SERVICE_TOKEN_CLIENT_ID=id-1\nX_CF_SERVICE_TOKEN_CLIENT_SECRET=s\nKEEP=id-2\n");
  auto outcome = update_env_file(path(), [](const DotenvMap& current) {
    std::vector<EnvChange> changes;
    for (const auto& [k, v] : current) {
      if (v == "id-1") changes.push_back(unset(k));
    }
    changes.push_back(unset("X_CF_SERVICE_TOKEN_CLIENT_SECRET"));
    return changes;
  });
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_EQ(slurp(path()), "KEEP=id-2\n");
}

TEST_F(EnvFile, ADirectorySyncFailureAfterTheRenameIsAWarningNotAnError) {
  // The rename happened: the file holds the new value. Saying "not saved" would make a
  // caller print a secret that is already in the file, or give up on it.
  dir_.write(".env", "A=1\n");
  EnvWriteOptions options;
  int synced = 0;
  options.sync_directory = [&synced](int) {
    ++synced;
    errno = EIO;
    return -1;
  };
  auto outcome = update_env_file(path(), {set("B", "canary-secret")}, options);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_EQ(synced, 1);
  EXPECT_EQ(slurp(path()), "A=1\nB=canary-secret\n");
  std::string warnings;
  for (const auto& w : outcome->warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("written, but the directory could not be synced (I/O error)"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("canary"), std::string::npos) << warnings;

  options.sync_directory = [](int) {
    errno = EINVAL;  // a file system that cannot sync directories: nothing to say
    return -1;
  };
  auto quiet = update_env_file(path(), {set("C", "3")}, options);
  ASSERT_TRUE(quiet.has_value()) << quiet.error().message;
  for (const auto& w : quiet->warnings) EXPECT_EQ(w.find("synced"), std::string::npos) << w;
}

TEST_F(EnvFile, ALockHeldTooLongIsAnErrorNotAHang) {
  dir_.write(".env", "A=1\n");
  const int fd = ::open(path("..env.lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EnvWriteOptions options;
  options.lock_timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto outcome = update_env_file(path(), {set("B", "2")}, options);
  const auto waited = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_NE(outcome.error().message.find("another process holds the lock"), std::string::npos);
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_EQ(slurp(path()), "A=1\n");
}

TEST_F(EnvFile, AReadOnlyDirectoryFailsAndKeepsTheFile) {
  dir_.write(".env", "A=1\n");
  ASSERT_EQ(::chmod(path().c_str(), 0666), 0);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0555), 0);
  // Root writes anywhere, so the check runs in a child that dropped to nobody.
  const auto message = cfmon::testing::run_unprivileged([&] {
    auto outcome = update_env_file(path(), {set("B", "canary")});
    return outcome ? std::string("unexpectedly written") : outcome.error().message;
  });
  ::chmod(dir_.path().c_str(), 0700);
  if (!message) GTEST_SKIP() << "running as root and cannot drop privileges";
  EXPECT_NE(message->find("env file '" + path() + "': cannot create the lock file"), std::string::npos) << *message;
  EXPECT_NE(message->find("permission denied"), std::string::npos) << *message;
  EXPECT_EQ(slurp(path()), "A=1\n");
}

TEST_F(EnvFile, ConcurrentWritersLoseNoKey) {
  dir_.write(".env", "# shared\nBASE=1\n");
  constexpr int kWriters = 8;
  constexpr int kKeysEach = 5;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      bool ok = true;
      for (int k = 0; k < kKeysEach; ++k) {
        ok = ok && update_env_file(path(), {set("W" + std::to_string(w) + "_K" + std::to_string(k), "v")}).has_value();
      }
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto env = read_dotenv_file(path());
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(env->size(), static_cast<std::size_t>(1 + kWriters * kKeysEach));
  for (int w = 0; w < kWriters; ++w) {
    for (int k = 0; k < kKeysEach; ++k) {
      EXPECT_EQ(env->count("W" + std::to_string(w) + "_K" + std::to_string(k)), 1U) << w << "/" << k;
    }
  }
  EXPECT_EQ(slurp(path()).rfind("# shared\nBASE=1\n", 0), 0U);
}

// A writer killed at any moment leaves the complete old or the complete new
// file, never a mix, and the next writer cleans up after it.
TEST_F(EnvFile, AWriterKilledAtAnyPointLeavesOldOrNewNeverAMix) {
  // A large file widens the window in which a kill lands mid-write.
  std::string text = "\xEF\xBB\xBF# crash test\r\n";
  for (int i = 0; i < 3000; ++i) text += "KEY_" + std::to_string(i) + "='value " + std::to_string(i) + " # x'\r\n";
  dir_.write(".env", text);
  ASSERT_EQ(::chmod(path().c_str(), 0600), 0);

  const auto write_in_child = [&](int n) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const bool ok = update_env_file(path(), {set("NEW_" + std::to_string(n), "v" + std::to_string(n)),
                                               set("KEY_7", "changed " + std::to_string(n))})
                          .has_value();
      ::_exit(ok ? 0 : 1);
    }
    return pid;
  };

  // How long an undisturbed write takes here, to spread the kills over it.
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t first = write_in_child(1000);
  ASSERT_GT(first, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(first, &status, 0), first);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto typical = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);

  std::mt19937 random(20240607);
  std::uniform_int_distribution<long long> delay(0, std::max<long long>(1, typical.count() * 3 / 2));
  int saw_old = 0;
  int saw_new = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int n = 0; n < 60 && std::chrono::steady_clock::now() < deadline; ++n) {
    const std::string before = slurp(path());
    const auto expected = apply_env_changes(before, {set("NEW_" + std::to_string(n), "v" + std::to_string(n)),
                                                     set("KEY_7", "changed " + std::to_string(n))});
    ASSERT_TRUE(expected.has_value());
    const pid_t pid = write_in_child(n);
    ASSERT_GT(pid, 0);
    // One write in ten runs to its end and one is killed at once, so both outcomes are seen
    // however slow the machine (ASan, a loaded CI box); the others are killed at random.
    if (n % 10 != 0) {
      if (n % 10 != 1) std::this_thread::sleep_for(std::chrono::microseconds(delay(random)));
      ::kill(pid, SIGKILL);
    }
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);

    const std::string after = slurp(path());
    if (after == before) {
      ++saw_old;
    } else {
      ASSERT_EQ(after, *expected) << "iteration " << n << ": neither the old nor the new file";
      ++saw_new;
    }
    ASSERT_EQ(mode_of(path()), 0600U) << "iteration " << n;
  }
  EXPECT_GT(saw_old, 0) << "no kill landed before the rename";
  EXPECT_GT(saw_new, 0) << "no write completed";

  // A killed writer may leave a temp file (with a secret in it): the next one removes it.
  auto last = update_env_file(path(), {set("FINAL", "1")});
  ASSERT_TRUE(last.has_value()) << last.error().message;
  EXPECT_EQ(names_in(dir_.path()), (std::vector<std::string>{"..env.lock", ".env"}));
  auto env = read_dotenv_file(path());
  ASSERT_TRUE(env.has_value()) << env.error().message;
  EXPECT_EQ(env->at("KEY_2999"), "value 2999 # x");
  EXPECT_EQ(env->at("FINAL"), "1");
}

}  // namespace
}  // namespace cfmon
