#pragma once
// What tests/emulator/default-config.json holds, for the tests that name it directly.
#include <string>

namespace cfmon::testing {

inline const std::string kEmulatorAccount = "a11ce5eda11ce5eda11ce5eda11ce5ed";
inline const std::string kEmulatorAdminToken = "cfemu-admin-0123456789abcdef0123456789abcd";
inline const std::string kEmulatorNoReadToken = "cfemu-noread-0123456789abcdef0123456789ab";
inline const std::string kMonitoringTokenId = "11111111-1111-4111-8111-111111111111";
inline const std::string kOtherTeamTokenId = "22222222-2222-4222-8222-222222222222";
inline const std::string kMonitoringClientId = "feedfacefeedfacefeedfacefeedface.access";
inline const std::string kMonitoringSecret = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

}  // namespace cfmon::testing
