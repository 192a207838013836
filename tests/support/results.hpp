#pragma once
// What a check's result says, in one assertion: its state, reason and message, exactly.
#include <string_view>

#include <gtest/gtest.h>

#include "cfmon/result.hpp"

namespace cfmon::testing {

inline ::testing::AssertionResult says(const Result& r, State state, std::string_view reason,
                                       std::string_view message) {
  if (r.state == state && r.reason == reason && r.message == message) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "said " << state_name(r.state) << " " << r.reason << ": " << r.message
                                       << "\nnot  " << state_name(state) << " " << reason << ": " << message;
}

}  // namespace cfmon::testing
