// -t is shared by every binary (validate_common): a value libcurl would read as "no
// timeout at all" must be refused, not turned into a probe that can hang forever.
#include <gtest/gtest.h>

#include "cfmon/plugin.hpp"

namespace cfmon::plugin {
namespace {

std::optional<Error> validate_timeout(double seconds) {
  CommonConfig config;
  config.timeout_seconds = seconds;
  return validate_common(config);
}

TEST(TimeoutOption, BelowOneMillisecondIsRefusedBecauseCurlWouldWaitForever) {
  for (const double seconds : {0.0004, 0.0001, 0.000999, 1e-300}) {
    const auto error = validate_timeout(seconds);
    ASSERT_TRUE(error.has_value()) << seconds;
    EXPECT_NE(error->message.find("at least 0.001"), std::string::npos) << error->message;
  }
}

TEST(TimeoutOption, OneMillisecondAndMoreAreAccepted) {
  for (const double seconds : {0.001, 0.0015, 2.0, 3600.0}) {
    EXPECT_FALSE(validate_timeout(seconds).has_value()) << seconds;
  }
}

TEST(TimeoutOption, NonsenseIsStillRefused) {
  for (const double seconds : {0.0, -1.0, 3601.0, std::nan("")}) {
    EXPECT_TRUE(validate_timeout(seconds).has_value()) << seconds;
  }
}

}  // namespace
}  // namespace cfmon::plugin
