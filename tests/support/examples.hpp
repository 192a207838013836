#pragma once
// Tables of examples instead of a line of assertions each: f(input) == expected, row by
// row, the input named on failure.
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace cfmon::testing {

using TextExamples = std::vector<std::pair<std::string, std::string>>;

template <typename F>
void expect_examples(const F& f, const TextExamples& examples) {
  for (const auto& [input, expected] : examples) {
    EXPECT_EQ(f(input), expected) << "for " << ::testing::PrintToString(input);
  }
}

// A row of a TEST_P table: an input text and what it must give (a value, a message).
struct TextCase {
  const char* input;
  const char* expected;
};

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
inline void PrintTo(const TextCase& c, std::ostream* os) {
  *os << ::testing::PrintToString(c.input);
}

}  // namespace cfmon::testing
