#include "hostile_api.hpp"

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "tls_ca.hpp"

namespace cfmon::testing {

struct HostileApi::Impl {
  TempDir dir;
  emulator::TlsMaterial tls = emulator::TlsMaterial::generate({"api.hostile.test"}, std::chrono::system_clock::now());
  httplib::SSLServer server{tls.server_cert(), tls.server_key()};
  std::thread thread;
  int port = 0;
  std::string ca_path;
  mutable std::mutex mutex;
  std::string list_body = R"({"success":true,"errors":[],"messages":[],"result":[]})";
  std::string graphql_body = R"({"data":null,"errors":[{"message":"not set"}]})";
  std::chrono::milliseconds delay{0};
  std::atomic<std::size_t> requests{0};

  void answer(httplib::Response& res, const std::string Impl::*body) {
    ++requests;
    std::string text;
    std::chrono::milliseconds wait{0};
    {
      std::lock_guard lock(mutex);
      text = this->*body;
      wait = delay;
    }
    if (wait > std::chrono::milliseconds::zero()) std::this_thread::sleep_for(wait);
    res.set_content(text, "application/json");
  }
};

HostileApi::HostileApi() : impl_(std::make_unique<Impl>()) {
  impl_->ca_path = impl_->dir.write("ca.pem", impl_->tls.ca_cert_pem());
  impl_->server.Get(R"(/client/v4/accounts/[^/]+/access/service_tokens)",
                    [this](const httplib::Request&, httplib::Response& res) { impl_->answer(res, &Impl::list_body); });
  impl_->server.Post("/client/v4/graphql", [this](const httplib::Request&, httplib::Response& res) {
    impl_->answer(res, &Impl::graphql_body);
  });
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("the hostile API cannot bind a port");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

HostileApi::~HostileApi() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void HostileApi::set_list_body(std::string body) {
  std::lock_guard lock(impl_->mutex);
  impl_->list_body = std::move(body);
}

void HostileApi::set_graphql_body(std::string body) {
  std::lock_guard lock(impl_->mutex);
  impl_->graphql_body = std::move(body);
}

void HostileApi::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mutex);
  impl_->delay = delay;
}

std::vector<std::string> HostileApi::api_args() const {
  const std::string port = std::to_string(impl_->port);
  return {"--api-url", "https://api.hostile.test:" + port + "/client/v4",
          "--resolve", "api.hostile.test:" + port + ":127.0.0.1",
          "--ca-file", impl_->ca_path};
}

std::size_t HostileApi::requests() const {
  return impl_->requests.load();
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string v4_success(const std::string& result) {
  return R"({"success":true,"errors":[],"messages":[],"result":)" + result + "}";
}

RunResult run_against(const HostileApi& api, const std::string& program, std::vector<std::string> args,
                      std::chrono::milliseconds hard_limit) {
  const std::string token = "hostile-test-api-token-5c1d7e9a3b";
  auto all = api.api_args();
  all.insert(all.end(), args.begin(), args.end());
  auto r =
      run(program, all, {{"CF_API_TOKEN", token}, {"CF_ACCOUNT_ID", "0123456789abcdef0123456789abcdef"}}, hard_limit);
  EXPECT_EQ(r.out.find(token), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(token), std::string::npos) << r.err;
  return r;
}

}  // namespace cfmon::testing
