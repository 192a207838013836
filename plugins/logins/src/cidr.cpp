#include "cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "cfmon/printable.hpp"

namespace cfmon {
namespace {

// ::ffff:a.b.c.d is the IPv4 address a.b.c.d for matching purposes.
IpAddress unmapped(const IpAddress& a) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!a.v6 || std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) != 0) return a;
  IpAddress v4;
  for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = a.bytes[12 + i];
  return v4;
}

}  // namespace

Expected<IpAddress> parse_ip_address(std::string_view text) {
  const std::string s(text);
  IpAddress a;
  if (s.size() < 64 && !has_control_characters(s)) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    a.v6 = true;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  }
  return make_error("'" + (!has_control_characters(s) ? s : std::string("(unprintable)")) +
                    "' is not an IPv4 or IPv6 address");
}

Expected<Cidr> parse_cidr(std::string_view text) {
  const std::string quoted =
      "'" + (!has_control_characters(text) ? std::string(text) : std::string("(unprintable)")) + "'";
  const auto slash = text.find('/');
  auto address = parse_ip_address(text.substr(0, slash));
  if (!address) return make_error(quoted + " is not a CIDR network (e.g. 192.0.2.0/24 or 2001:db8::/32)");
  Cidr c;
  c.text = std::string(text);
  const unsigned max = address->v6 ? 128U : 32U;
  c.prefix = max;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    unsigned prefix = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || prefix > max) {
      return make_error(quoted + ": the prefix length must be 0.." + std::to_string(max));
    }
    c.prefix = prefix;
  }
  c.network = *address;
  for (unsigned bit = c.prefix; bit < max; ++bit) {
    c.network.bytes[bit / 8] = static_cast<std::uint8_t>(c.network.bytes[bit / 8] & ~(0x80U >> (bit % 8)));
  }
  // A v4-mapped network is an IPv4 network.
  if (c.network.v6 && c.prefix >= 96) {
    const IpAddress plain = unmapped(c.network);
    if (!plain.v6) {
      c.network = plain;
      c.prefix -= 96;
    }
  }
  return c;
}

bool Cidr::contains(const IpAddress& address) const noexcept {
  const IpAddress a = unmapped(address);
  if (a.v6 != network.v6) return false;
  const unsigned full = prefix / 8;
  if (std::memcmp(a.bytes.data(), network.bytes.data(), full) != 0) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFFU << (8 - rest));
  return (a.bytes[full] & mask) == (network.bytes[full] & mask);
}

}  // namespace cfmon
