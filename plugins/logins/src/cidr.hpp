#pragma once
// IPv4 and IPv6 networks ("192.0.2.0/24", "2001:db8::/32", a bare address = /32 or
// /128) and membership tests, through inet_pton and a prefix mask. An IPv4 address
// never matches an IPv6 network and vice versa, except that an IPv4-mapped IPv6
// address (::ffff:192.0.2.1) is compared as the IPv4 address it carries.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cfmon/expected.hpp"

namespace cfmon {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4: the first 4
};

struct Cidr {
  IpAddress network;  // host bits cleared
  unsigned prefix = 0;
  std::string text;  // as given, for messages

  [[nodiscard]] bool contains(const IpAddress& address) const noexcept;
};

// An address as Cloudflare prints it (IPv4 dotted quad or IPv6 text); error on anything else.
Expected<IpAddress> parse_ip_address(std::string_view text);

// "addr/prefix" or a bare address; the prefix must fit the family (0..32, 0..128).
// Host bits set below the prefix are accepted and cleared (as ip(8) does).
Expected<Cidr> parse_cidr(std::string_view text);

}  // namespace cfmon
