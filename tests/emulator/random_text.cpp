#include "random_text.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace cfmon::emulator {
namespace {

std::vector<unsigned char> random_bytes(std::size_t count) {
  std::vector<unsigned char> bytes(count);
  if (count > 0 && RAND_bytes(bytes.data(), static_cast<int>(count)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return bytes;
}

std::string to_hex(const std::vector<unsigned char>& bytes) {
  static constexpr std::array<char, 16> digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    hex.push_back(digits[b >> 4U]);
    hex.push_back(digits[b & 0x0FU]);
  }
  return hex;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  return to_hex(random_bytes(bytes));
}

std::string random_uuid() {
  auto bytes = random_bytes(16);
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0FU) | 0x40U);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
  const std::string hex = to_hex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

std::string random_client_id() {
  return random_hex(16) + ".access";
}
std::string random_client_secret() {
  return random_hex(32);
}
std::string random_ray_id() {
  return random_hex(8);
}

}  // namespace cfmon::emulator
