#pragma once
// The emulator's control endpoints (/__emulator/... on its API host), for the integration
// tests that link cfmon_core (the HTTP engine). Fails the test on anything but 200.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cfmon/http.hpp"
#include "harness.hpp"

namespace cfmon::testing {

inline void emulator_control(const Emulator& emu, const std::string& method, const std::string& path,
                             const nlohmann::json& body = nullptr) {
  http::Request r;
  r.url = "https://api.cfemu.test:" + std::to_string(emu.port()) + "/__emulator/" + path;
  r.method = method;
  if (!body.is_null()) {
    r.body = body.dump();
    r.headers.emplace_back("Content-Type", "application/json");
  }
  http::Transport transport;
  transport.resolve = {"api.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1"};
  transport.ca_file = emu.ca_file();
  http::CurlClient client(transport);
  auto out = client.perform({r}, 1);
  const auto* response = std::get_if<http::Response>(&out.at(0));
  ASSERT_NE(response, nullptr);
  ASSERT_EQ(response->status, 200) << response->body;
}

}  // namespace cfmon::testing
