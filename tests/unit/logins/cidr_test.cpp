#include "cidr.hpp"

#include <gtest/gtest.h>

namespace cfmon {
namespace {

bool in(const char* cidr, const char* address) {
  auto c = parse_cidr(cidr);
  auto a = parse_ip_address(address);
  EXPECT_TRUE(c.has_value()) << cidr;
  EXPECT_TRUE(a.has_value()) << address;
  return c && a && c->contains(*a);
}

struct Membership {
  const char* cidr;
  const char* address;
  bool inside;
  const char* why;
};

TEST(Cidr, AddressesMatchPrefixesOfTheirOwnFamily) {
  const Membership cases[] = {
      {"192.0.2.0/24", "192.0.2.200", true, "IPv4 prefix"},
      {"192.0.2.0/24", "192.0.3.1", false, "IPv4 prefix"},
      {"10.0.0.0/9", "10.127.255.255", true, "mask not on an octet"},
      {"10.0.0.0/9", "10.128.0.0", false, "mask not on an octet"},
      {"0.0.0.0/0", "203.0.113.9", true, "every IPv4 address"},
      {"127.0.0.1", "127.0.0.1", true, "bare address: /32"},
      {"127.0.0.1", "127.0.0.2", false, "bare address: /32"},
      {"192.0.2.77/24", "192.0.2.1", true, "host bits cleared"},
      {"2001:db8::/32", "2001:db8:ffff::1", true, "IPv6 prefix"},
      {"2001:db8::/32", "2001:db9::1", false, "IPv6 prefix"},
      {"2001:db8:abcd:12::/63", "2001:db8:abcd:13::5", true, "mask not on a group"},
      {"2001:db8:abcd:12::/63", "2001:db8:abcd:14::5", false, "mask not on a group"},
      {"::1", "::1", true, "bare address: /128"},
      {"::/0", "192.0.2.1", false, "an IPv6 network holds no IPv4 address"},
      {"0.0.0.0/0", "2001:db8::1", false, "and the other way round"},
      {"192.0.2.0/24", "::ffff:192.0.2.9", true, "v4-mapped compares as IPv4"},
      {"::ffff:192.0.2.0/120", "192.0.2.9", true, "v4-mapped network"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(in(c.cidr, c.address), c.inside) << c.address << " in " << c.cidr << " (" << c.why << ")";
  }
}

TEST(Cidr, MalformedInputIsAClearError) {
  for (const char* bad : {"", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "192.0.2/24", "example.com/8",
                          "192.0.2.0/-1", "192.0.2.0/24x", "1.2.3.4 "}) {
    auto c = parse_cidr(bad);
    EXPECT_FALSE(c.has_value()) << bad;
    if (!c) {
      EXPECT_EQ(c.error().message.find('\n'), std::string::npos);
    }
  }
  EXPECT_FALSE(parse_ip_address("300.1.1.1").has_value());
  EXPECT_FALSE(parse_ip_address(std::string("1.2.3.4\n")).has_value());
}

}  // namespace
}  // namespace cfmon
