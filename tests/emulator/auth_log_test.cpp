#include "auth_log.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cfmon::emulator {
namespace {

TEST(AuthLog, KeepsOrderAndDropsOldestBeyondCapacity) {
  AuthLog log(3);
  for (int i = 0; i < 5; ++i) {
    AuthEvent event;
    event.client_id = "c" + std::to_string(i);
    log.record(event);
  }
  const auto events = log.snapshot();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events.front().client_id, "c2");
  EXPECT_EQ(events.back().client_id, "c4");
  log.clear();
  EXPECT_EQ(log.size(), 0U);
}

TEST(AuthLog, ConcurrentRecordsAreAllKept) {
  AuthLog log;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&log] {
      for (int i = 0; i < 250; ++i) log.record(AuthEvent{});
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(log.size(), 1000U);
}

}  // namespace
}  // namespace cfmon::emulator
