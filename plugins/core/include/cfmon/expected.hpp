#pragma once
// Errors as values inside the core (std::expected arrives with C++23).
#include <string>
#include <utility>
#include <variant>

namespace cfmon {

struct Error {
  std::string message;  // one line, safe to print (never holds a secret)
};

// E is the error type: Error by default, something richer where callers branch on it.
template <class T, class E = Error>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Expected(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

inline Error make_error(std::string message) {
  return Error{std::move(message)};
}

}  // namespace cfmon
