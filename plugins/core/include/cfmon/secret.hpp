#pragma once
// The one home of secrets. A Secret cannot be streamed or formatted; reading it needs an
// explicit reveal() at the point of use. It can be copied (a request holds its own), and
// every copy overwrites its bytes when destroyed (~Secret).
#include <string>
#include <string_view>
#include <vector>

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
// The same for a list; longer secrets are replaced first, so a secret that holds
// another (a JSON header holding the client secret) is redacted whole.
std::string redact(std::string text, const std::vector<Secret>& secrets);

// The forms in which a server may hand `value` back: as sent, JSON-escaped (as
// inside a JSON string: \" \\ \/ \uXXXX) and percent-encoded (upper and lower
// case hex, '+' for a space). Duplicates and empty forms are left out.
std::vector<Secret> reflected_forms(std::string_view value);

// Overwrites a string's bytes (and its spare capacity) before it is freed or reused.
void cleanse(std::string& text) noexcept;

}  // namespace cfmon
