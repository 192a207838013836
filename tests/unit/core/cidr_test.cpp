#include "cfmon/cidr.hpp"

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

TEST(Cidr, Ipv4PrefixesMatchByMask) {
  EXPECT_TRUE(in("192.0.2.0/24", "192.0.2.200"));
  EXPECT_FALSE(in("192.0.2.0/24", "192.0.3.1"));
  EXPECT_TRUE(in("10.0.0.0/9", "10.127.255.255"));
  EXPECT_FALSE(in("10.0.0.0/9", "10.128.0.0"));
  EXPECT_TRUE(in("0.0.0.0/0", "203.0.113.9"));
  EXPECT_TRUE(in("127.0.0.1", "127.0.0.1"));  // bare address: /32
  EXPECT_FALSE(in("127.0.0.1", "127.0.0.2"));
  EXPECT_TRUE(in("192.0.2.77/24", "192.0.2.1"));  // host bits cleared
}

TEST(Cidr, Ipv6PrefixesAndFamiliesNeverMix) {
  EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(in("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(in("2001:db8:abcd:12::/63", "2001:db8:abcd:13::5"));
  EXPECT_FALSE(in("2001:db8:abcd:12::/63", "2001:db8:abcd:14::5"));
  EXPECT_TRUE(in("::1", "::1"));
  EXPECT_FALSE(in("::/0", "192.0.2.1"));                // an IPv6 network holds no IPv4 address
  EXPECT_FALSE(in("0.0.0.0/0", "2001:db8::1"));         // and the other way round
  EXPECT_TRUE(in("192.0.2.0/24", "::ffff:192.0.2.9"));  // v4-mapped compares as IPv4
  EXPECT_TRUE(in("::ffff:192.0.2.0/120", "192.0.2.9"));
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
