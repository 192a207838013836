#pragma once
// The one home of secrets. A Secret cannot be streamed, formatted or copied
// implicitly; reading it needs an explicit reveal() at the point of use.
#include <string>
#include <string_view>

namespace cfmon {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();

  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  // The only way to the bytes; grep for reveal() to audit every use.
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }

 private:
  std::string value_;
};

// No operator<< on purpose: `std::cout << secret` does not compile.
template <class Stream>
Stream& operator<<(Stream&, const Secret&) = delete;

// Replaces every occurrence of each non-empty secret in text by "<redacted>".
std::string redact(std::string text, std::initializer_list<const Secret*> secrets);

}  // namespace cfmon
