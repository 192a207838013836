// harden_process(): no core dump, no ptrace by other processes of the same user.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfmon/plugin.hpp"

namespace cfmon::plugin {
namespace {

TEST(Hardening, TheProcessIsNotDumpableAndWritesNoCore) {
  // In a child, so the test binary itself keeps its settings.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    (void)::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    harden_process();
    rlimit core{};
    const bool no_core = ::getrlimit(RLIMIT_CORE, &core) == 0 && core.rlim_cur == 0 && core.rlim_max == 0;
    const int dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    ::_exit((dumpable == 0 ? 0 : 1) | (no_core ? 0 : 2));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status) & 1, 0) << "PR_GET_DUMPABLE is not 0";
  EXPECT_EQ(WEXITSTATUS(status) & 2, 0) << "RLIMIT_CORE is not 0";
}

}  // namespace
}  // namespace cfmon::plugin
