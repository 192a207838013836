// runstat: runs commands several times, interleaved, and prints for each the median
// wall time, the median user+sys CPU and the peak RSS, read from wait4(2) (microsecond
// CPU, and the RSS of the largest process of the tree, children reaped by it included).
//
//   runstat [--runs N] [--warmup N] -- @label cmd args... [--- @label cmd args...]...
//
// Output, one line per command:
//   label runs=N fails=F nonzero=Z wall_ms=M cpu_ms=M user_ms=M sys_ms=M rss_kb=M rss_max_kb=M
// A run "fails" when the command is killed by a signal or cannot start; exit codes are
// the commands' business (a CRITICAL check exits 2), so they are only counted (nonzero).
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Command {
  std::string label;
  std::vector<std::string> argv;
};

struct Sample {
  double wall_ms = 0;
  double user_ms = 0;
  double sys_ms = 0;
  long rss_kb = 0;
  bool failed = false;
  bool nonzero = false;
};

double ms(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
}

Sample run_once(const Command& command) {
  std::vector<char*> argv;
  argv.reserve(command.argv.size() + 1);
  for (const auto& arg : command.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  Sample sample;
  const auto start = std::chrono::steady_clock::now();
  // The commands' output is not what is measured; a terminal would only add noise.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    sample.failed = true;
    return sample;
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      sample.failed = true;
      return sample;
    }
  }
  sample.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  sample.user_ms = ms(usage.ru_utime);
  sample.sys_ms = ms(usage.ru_stime);
  sample.rss_kb = usage.ru_maxrss;
  sample.failed = !WIFEXITED(status);
  sample.nonzero = WIFEXITED(status) && WEXITSTATUS(status) != 0;
  return sample;
}

template <class T>
T median(std::vector<T> values) {
  if (values.empty()) return T{};
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : static_cast<T>((values[mid - 1] + values[mid]) / 2);
}

int usage_error(const char* message) {
  std::fprintf(stderr,
               "runstat: %s\nusage: runstat [--runs N] [--warmup N] -- @label cmd args... [--- @label cmd...]\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  int warmup = 1;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if ((arg == "--runs" || arg == "--warmup") && i + 1 < argc) {
      (arg == "--runs" ? runs : warmup) = std::atoi(argv[++i]);
    } else {
      return usage_error(("unknown option " + arg).c_str());
    }
  }
  if (runs < 1 || warmup < 0) return usage_error("--runs must be at least 1, --warmup at least 0");

  std::vector<Command> commands(1);
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "---") {
      commands.emplace_back();
    } else if (commands.back().argv.empty() && commands.back().label.empty() && arg.starts_with('@')) {
      commands.back().label = arg.substr(1);
    } else {
      commands.back().argv.push_back(arg);
    }
  }
  for (auto& c : commands) {
    if (c.argv.empty()) return usage_error("empty command");
    if (c.label.empty()) c.label = c.argv.front();
  }

  for (int w = 0; w < warmup; ++w) {
    for (const auto& c : commands) (void)run_once(c);
  }
  // Interleaved, so that a noisy moment on a shared machine hits every command alike.
  std::vector<std::vector<Sample>> samples(commands.size());
  for (int r = 0; r < runs; ++r) {
    for (std::size_t c = 0; c < commands.size(); ++c) samples[c].push_back(run_once(commands[c]));
  }

  for (std::size_t c = 0; c < commands.size(); ++c) {
    std::vector<double> wall;
    std::vector<double> cpu;
    std::vector<double> user;
    std::vector<double> sys;
    std::vector<long> rss;
    int failed = 0;
    int nonzero = 0;
    for (const auto& s : samples[c]) {
      failed += s.failed ? 1 : 0;
      nonzero += s.nonzero ? 1 : 0;
      wall.push_back(s.wall_ms);
      cpu.push_back(s.user_ms + s.sys_ms);
      user.push_back(s.user_ms);
      sys.push_back(s.sys_ms);
      rss.push_back(s.rss_kb);
    }
    std::printf(
        "%s runs=%d fails=%d nonzero=%d wall_ms=%.1f cpu_ms=%.2f user_ms=%.2f sys_ms=%.2f rss_kb=%ld rss_max_kb=%ld\n",
        commands[c].label.c_str(), runs, failed, nonzero, median(wall), median(cpu), median(user), median(sys),
        median(rss), *std::max_element(rss.begin(), rss.end()));
  }
  return 0;
}
