// Which --resolve entries a request gets: only those that can apply to its host and port,
// so that N targets with R entries cost N + R, not N x R.
#include <gtest/gtest.h>

#include "cfmon/http.hpp"

namespace cfmon::http {
namespace {

using Entries = std::vector<std::string>;

TEST(ResolveEntriesFor, KeepsTheEntriesOfTheUrlsHostAndPortOnly) {
  const Entries all{"app.example.com:443:10.0.0.1", "other.example.com:443:10.0.0.2", "app.example.com:8443:10.0.0.3",
                    "app.example.com.evil:443:10.0.0.4"};
  EXPECT_EQ(resolve_entries_for("https://app.example.com/", all), Entries{"app.example.com:443:10.0.0.1"});
  EXPECT_EQ(resolve_entries_for("https://app.example.com:8443/x", all), Entries{"app.example.com:8443:10.0.0.3"});
  EXPECT_EQ(resolve_entries_for("http://app.example.com/", all), Entries{});  // port 80
}

TEST(ResolveEntriesFor, HostNamesCompareWithoutCase) {
  EXPECT_EQ(resolve_entries_for("https://APP.Example.com/", {"app.example.COM:443:10.0.0.1"}),
            Entries{"app.example.COM:443:10.0.0.1"});
}

TEST(ResolveEntriesFor, WildcardsApplyToTheirPortOnly) {
  const Entries all{"*:443:10.0.0.1", "*:8443:10.0.0.2", "+app.example.com:443:10.0.0.3", "-app.example.com:443"};
  EXPECT_EQ(resolve_entries_for("https://app.example.com/", all),
            (Entries{"*:443:10.0.0.1", "+app.example.com:443:10.0.0.3", "-app.example.com:443"}));
  EXPECT_EQ(resolve_entries_for("https://a.test:8443/", all), Entries{"*:8443:10.0.0.2"});
}

TEST(ResolveEntriesFor, AnUnparsableUrlKeepsEverythingForCurlToJudge) {
  const Entries all{"a:1:10.0.0.1", "b:2:10.0.0.2"};
  EXPECT_EQ(resolve_entries_for("not a url", all), all);
  EXPECT_EQ(resolve_entries_for("https://a/", {}), Entries{});
}

TEST(ResolveEntriesFor, IpLiteralsNeedNoEntryAndBreakNothing) {
  EXPECT_EQ(resolve_entries_for("https://[::1]:8443/", {"*:443:10.0.0.1", "app:8443:10.0.0.2"}), Entries{});
}

}  // namespace
}  // namespace cfmon::http
