#pragma once
// What tests/emulator/default-config.json holds, for the tests that name it directly.
#include <string>

namespace cfmon::testing {

inline const std::string kEmulatorAccount = "a11ce5eda11ce5eda11ce5eda11ce5ed";
inline const std::string kEmulatorAdminToken = "cfemu-admin-0123456789abcdef0123456789abcd";

}  // namespace cfmon::testing
