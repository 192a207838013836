#include "time_format.hpp"

#include <gtest/gtest.h>

namespace cfmon::emulator {
namespace {

using namespace std::chrono;

TEST(Rfc3339, ParsesUtcAndOffsets) {
  const auto utc = parse_rfc3339("2030-01-01T00:00:00Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(duration_cast<seconds>(utc->time_since_epoch()).count(), 1893456000);
  EXPECT_EQ(parse_rfc3339("2030-01-01T02:00:00+02:00"), utc);
  EXPECT_EQ(parse_rfc3339("2029-12-31t23:30:00-00:30z").has_value(), false);
  EXPECT_EQ(parse_rfc3339("2029-12-31t23:30:00-00:30"), utc);
  EXPECT_EQ(parse_rfc3339("2030-01-01T00:00:00.5Z"), *utc + milliseconds(500));
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad : {"", "2030-01-01", "2030-01-01T00:00:00", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z",
                          "2030-01-01T24:00:00Z", "2030-01-01T00:00:00Zx", "2030-01-01T00:00:00.Z", "forever"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(Rfc3339, FormatsUtcSeconds) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2030-01-01T02:00:00.9+02:00")), "2030-01-01T00:00:00Z");
}

TEST(GoDuration, ParsesCloudflareDurations) {
  EXPECT_EQ(parse_go_duration("8760h"), hours(8760));
  EXPECT_EQ(parse_go_duration("60m"), minutes(60));
  EXPECT_EQ(parse_go_duration("300ms"), milliseconds(300));
  EXPECT_EQ(parse_go_duration("1h30m"), minutes(90));
  EXPECT_EQ(parse_go_duration("1.5h"), minutes(90));
  EXPECT_EQ(parse_go_duration("10us"), microseconds(10));
}

TEST(GoDuration, RejectsGarbage) {
  for (const char* bad : {"", "forever", "10", "h", "-1h", "1d", "1h ", "1..5h"}) {
    EXPECT_FALSE(parse_go_duration(bad)) << bad;
  }
}

}  // namespace
}  // namespace cfmon::emulator
