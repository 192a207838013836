#pragma once
// An HTTP client for unit tests: answers through a function of the request and records
// every request it was given (needs the product's cfmon_http and GoogleTest).
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cfmon/http.hpp"

namespace cfmon::testing {

class FakeHttp : public http::Client {
 public:
  using Answer = std::function<http::Outcome(const http::Request&)>;
  explicit FakeHttp(Answer answer, std::optional<std::size_t> required_parallel = std::nullopt)
      : answer_(std::move(answer)), required_parallel_(required_parallel) {}

  std::vector<http::Outcome> perform(const std::vector<http::Request>& requests, std::size_t parallel) override {
    if (required_parallel_) {
      EXPECT_EQ(parallel, *required_parallel_);
    }
    {
      std::lock_guard lock(mutex_);
      last_parallel = parallel;
    }
    std::vector<http::Outcome> out;
    for (const auto& r : requests) {
      {
        std::lock_guard lock(mutex_);
        sent.push_back(r);
      }
      out.push_back(answer_(r));
    }
    return out;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return sent.size();
  }

  std::vector<http::Request> sent;  // every request, in order
  std::size_t last_parallel = 0;    // what the last perform() allowed

 private:
  std::mutex mutex_;
  Answer answer_;
  std::optional<std::size_t> required_parallel_;
};

}  // namespace cfmon::testing
