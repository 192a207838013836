#include "cfmon/cloudflare_api.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "api_test_support.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::cloudflare {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

TEST(CloudflareTime, Rfc3339AndGoDurations) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2030-01-01T02:00:00+02:00")), "2030-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2030-01-01t00:00:00.123456789z")), "2030-01-01T00:00:00Z");
  EXPECT_FALSE(parse_rfc3339("2030-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2030-01-01 00:00:00"));
  EXPECT_EQ(parse_go_duration("8760h"), std::chrono::hours(8760));
  EXPECT_EQ(parse_go_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_go_duration("300ms"), std::chrono::milliseconds(300));
  EXPECT_FALSE(parse_go_duration("forever"));
  EXPECT_FALSE(parse_go_duration("10"));
}

// Found by fuzz_api: Go's zero time ("never") and year-9999 expiries overflowed the
// nanosecond clock (undefined behaviour, a garbage date), as did huge rate-limit hints.
TEST(CloudflareTime, DatesBeyondTheClockAreClampedNotOverflowed) {
  EXPECT_EQ(parse_rfc3339("0001-01-01T00:00:00Z"), TimePoint::min());
  EXPECT_EQ(parse_rfc3339("9999-12-31T23:59:59.999Z"), TimePoint::max());
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2262-04-11T00:00:00Z")), "2262-04-11T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("1700-01-01T00:00:00+01:00")), "1699-12-31T23:00:00Z");
  Json t = token_json(1);
  t["last_seen_at"] = "0001-01-01T00:00:00Z";
  t["expires_at"] = "9999-12-31T23:59:59Z";
  const auto token = parse_service_token(t);
  ASSERT_TRUE(token);
  EXPECT_FALSE(token->last_seen_at) << "the zero time means never used";
  EXPECT_EQ(token->expires_at, TimePoint::max());
}

TEST(CloudflareTime, SpansReadAsAPersonSaysThem) {
  using std::chrono::seconds;
  EXPECT_EQ(span_text(seconds(59)), "less than a minute");
  EXPECT_EQ(span_text(seconds(60)), "1 minute");
  EXPECT_EQ(span_text(seconds(2 * 3600 - 1)), "119 minutes");
  EXPECT_EQ(span_text(seconds(2 * 3600)), "2 hours");
  EXPECT_EQ(span_text(seconds(2 * 86400 - 1)), "47 hours");
  EXPECT_EQ(span_text(seconds(3 * 86400 + 5)), "3 days");
  EXPECT_EQ(span_text(seconds(-3 * 86400)), "3 days");
}

TEST(CloudflareTime, SecondsBetweenTheClampedEndsDoNotOverflow) {
  const auto now = *parse_rfc3339("2026-12-06T00:00:00Z");
  EXPECT_EQ(seconds_between(*parse_rfc3339("2026-12-05T00:00:00Z"), now).count(), 86400);
  EXPECT_GT(seconds_between(TimePoint::min(), now).count(), 0);
  EXPECT_LT(seconds_between(TimePoint::max(), now).count(), 0);
}

// Found by fuzz_api: the id of a broken token went raw into the one-line error.

}  // namespace
}  // namespace cfmon::cloudflare
