#pragma once
// Golden-file comparison: expected outputs live in tests/unit/data/golden/<format>/<case>.txt
// and are compared byte for byte. CFMON_UPDATE_GOLDEN=1 rewrites them from the actual output
// (review the diff before committing); without it any difference fails the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>

namespace cfmon::testing {

inline std::filesystem::path golden_path(std::string_view format, std::string_view name) {
  return std::filesystem::path(CFMON_TEST_DATA_DIR) / "golden" / format / (std::string(name) + ".txt");
}

inline bool update_golden_requested() {
  const char* v = std::getenv("CFMON_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

// Shows where two long outputs first differ; EXPECT_EQ on 8 KB strings is unreadable.
inline std::string first_difference(const std::string& expected, const std::string& actual) {
  std::size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  const std::size_t from = i > 40 ? i - 40 : 0;
  std::ostringstream os;
  os << "first difference at byte " << i << " (expected " << expected.size() << " bytes, got " << actual.size()
     << ")\n  expected: ..." << expected.substr(from, 80) << "\n  actual:   ..." << actual.substr(from, 80);
  return os.str();
}

inline void expect_golden(std::string_view format, std::string_view name, const std::string& actual) {
  const auto path = golden_path(format, name);
  if (update_golden_requested()) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path << " (run with CFMON_UPDATE_GOLDEN=1 to create it)";
  const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(expected == actual) << path.string() << ": " << first_difference(expected, actual)
                                  << "\n(run with CFMON_UPDATE_GOLDEN=1 to accept the new output)";
}

}  // namespace cfmon::testing
