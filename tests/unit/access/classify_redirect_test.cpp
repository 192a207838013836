// A redirect is not proof that the token was accepted: Cloudflare sends some before
// Access looks at the credentials (Always Use HTTPS, Redirect Rules, Page Rules), so a
// revoked token gets them too. What each kind of unfollowed 3xx says (the client follows
// the ones inside the origin; tests/integration/fault_matrix_test.cpp runs it end to end).
#include <gtest/gtest.h>

#include "classify.hpp"

namespace cfmon {
namespace {

constexpr const char* kProbed = "https://app.example.com/start";

http::Response redirect(std::string location, std::vector<std::pair<std::string, std::string>> more = {},
                        std::string url = kProbed) {
  http::Response r;
  r.status = 302;
  r.url = std::move(url);
  r.headers.emplace_back("location", std::move(location));
  for (auto& h : more) r.headers.push_back(std::move(h));
  return r;
}

TEST(ClassifyRedirect, ProtocolRelativeLoginPageIsTheLoginRedirect) {
  const auto r = redirect("//acme.cloudflareaccess.com/cdn-cgi/access/login/app.example.com?kid=1&redirect_url=%2F");
  const Verdict v = classify_access_response(r);
  EXPECT_EQ(v.state, State::critical) << v.meaning;
  EXPECT_EQ(v.reason, "login_redirect");
  EXPECT_EQ(v.token_accepted, false);
  EXPECT_EQ(classify_anonymous_response(r).state, State::ok) << "an anonymous request sent to log in is protected";
}

TEST(ClassifyRedirect, RelativeAndAbsoluteLoginPagesStayTheLoginRedirect) {
  for (const char* location : {"/cdn-cgi/access/login/app.example.com?kid=1",
                               "https://acme.cloudflareaccess.com/cdn-cgi/access/login/app.example.com"}) {
    EXPECT_EQ(classify_access_response(redirect(location)).reason, "login_redirect") << location;
  }
}

TEST(ClassifyRedirect, AnotherOriginWithoutAccessCookieIsUnverifiedNotOk) {
  const Verdict v = classify_access_response(redirect("https://www.example.com/welcome"));
  EXPECT_EQ(v.state, State::warning) << v.meaning;
  EXPECT_EQ(v.reason, "redirect_unverified");
  EXPECT_EQ(v.token_accepted, std::nullopt);
  EXPECT_EQ(v.meaning,
            "redirect to https://www.example.com:443 before the token could be checked; probe the final URL");
}

TEST(ClassifyRedirect, AlwaysUseHttpsIsAnotherOriginToo) {
  const Verdict v = classify_access_response(redirect("https://app.example.com/", {}, "http://app.example.com/"));
  EXPECT_EQ(v.reason, "redirect_unverified") << v.meaning;
  EXPECT_NE(v.meaning.find("redirect to https://app.example.com:443 before the token"), std::string::npos) << v.meaning;
}

TEST(ClassifyRedirect, AccessCookieIsTheEvidenceThatMakesItOk) {
  const Verdict v = classify_access_response(
      redirect("https://www.example.com/welcome", {{"set-cookie", "CF_Authorization=eyJhbGciOi.e30.sig; Path=/"}}));
  EXPECT_EQ(v.state, State::ok) << v.meaning;
  EXPECT_EQ(v.reason, "app_redirect");
  EXPECT_EQ(v.token_accepted, true);
  EXPECT_NE(v.meaning.find("to https://www.example.com/welcome"), std::string::npos) << v.meaning;
}

TEST(ClassifyRedirect, OtherOrEmptyCookiesAreNoEvidence) {
  for (const char* cookie :
       {"session=abc", "CF_Authorization=; Path=/", "CF_AuthorizationX=abc", "cf_authorization=abc"}) {
    EXPECT_EQ(classify_access_response(redirect("https://www.example.com/", {{"set-cookie", cookie}})).reason,
              "redirect_unverified")
        << cookie;
  }
}

TEST(ClassifyRedirect, LoopAndTooManyHopsAreCritical) {
  auto loop = redirect(kProbed);
  loop.redirect_stop = http::RedirectStop::loop;
  const Verdict looped = classify_access_response(loop);
  EXPECT_EQ(looped.state, State::critical);
  EXPECT_EQ(looped.reason, "redirect_loop");
  EXPECT_NE(looped.meaning.find("redirect loop: https://app.example.com/start redirects back to"), std::string::npos)
      << looped.meaning;

  auto endless = redirect("/step/6", {}, "https://app.example.com/step/5");
  endless.redirects = 5;
  endless.redirect_stop = http::RedirectStop::limit;
  const Verdict v = classify_access_response(endless);
  EXPECT_EQ(v.state, State::critical);
  EXPECT_EQ(v.reason, "redirect_loop");
  EXPECT_NE(v.meaning.find("after 5 redirects"), std::string::npos) << v.meaning;
  EXPECT_NE(v.meaning.find("https://app.example.com/step/6"), std::string::npos) << v.meaning;
}

TEST(ClassifyRedirect, EvenWithTheCookieALoopIsALoop) {
  auto loop = redirect(kProbed, {{"set-cookie", "CF_Authorization=abc"}});
  loop.redirect_stop = http::RedirectStop::loop;
  EXPECT_EQ(classify_access_response(loop).reason, "redirect_loop");
}

TEST(ClassifyRedirect, SameOriginRedirectNotFollowedIsUnverified) {
  // --max-redirects 0: the client followed nothing.
  const Verdict v = classify_access_response(redirect("/dashboard"));
  EXPECT_EQ(v.state, State::warning) << v.meaning;
  EXPECT_EQ(v.reason, "redirect_unverified");
  EXPECT_NE(v.meaning.find("https://app.example.com/dashboard not followed"), std::string::npos) << v.meaning;
}

TEST(ClassifyRedirect, StatusMapStillDecidesTheState) {
  const auto map = StatusMap::parse("3xx=ok");
  ASSERT_TRUE(map.has_value()) << map.error().message;
  const Verdict v = classify_access_response(redirect("https://www.example.com/"), *map);
  EXPECT_EQ(v.state, State::ok);
  EXPECT_EQ(v.reason, "redirect_unverified");
  EXPECT_NE(v.meaning.find("--status-map"), std::string::npos);
}

TEST(ClassifyRedirect, HostileLocationIsOneLineWithoutPipes) {
  const Verdict v = classify_access_response(redirect("https://evil.example/|\r\nX: y"));
  EXPECT_EQ(v.meaning.find('|'), std::string::npos) << v.meaning;
  EXPECT_EQ(v.meaning.find('\n'), std::string::npos) << v.meaning;
}

TEST(HttpLocation, ResolvesRelativeAndProtocolRelativeAgainstTheProbedUrl) {
  const std::string base = "https://App.example.com:8443/a/b?x=1";
  EXPECT_EQ(http::resolve_location(base, "next"), "https://App.example.com:8443/a/next");
  EXPECT_EQ(http::resolve_location(base, "/root"), "https://App.example.com:8443/root");
  EXPECT_EQ(http::resolve_location(base, "//other.example.com/p"), "https://other.example.com/p");
  EXPECT_EQ(http::resolve_location(base, "https://x.example/#frag"), "https://x.example/");
  for (const char* bad : {"", "javascript:alert(1)", "ftp://files.example.com/", "mailto:a@b"}) {
    EXPECT_EQ(http::resolve_location(base, bad), std::nullopt) << bad;
  }
}

TEST(HttpLocation, OriginIsSchemeHostAndPortWithDefaultsSpelledOut) {
  EXPECT_EQ(http::origin_of("https://App.Example.com/x"), "https://app.example.com:443");
  EXPECT_EQ(http::origin_of("https://app.example.com:443/y"), http::origin_of("https://app.example.com/"));
  EXPECT_NE(http::origin_of("http://app.example.com/"), http::origin_of("https://app.example.com/"));
  EXPECT_NE(http::origin_of("https://app.example.com:8443/"), http::origin_of("https://app.example.com/"));
  EXPECT_EQ(http::origin_of("not a url"), std::nullopt);
}

TEST(HttpLocation, HostAndPathAreWhereAccessPicksTheApplication) {
  const auto hp = http::host_and_path("https://Grafana.Example.com:8443/api/health?x=1#f");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "grafana.example.com");
  EXPECT_EQ(hp->path, "/api/health");
  EXPECT_EQ(http::host_and_path("https://app.example.com")->path, "/");
  EXPECT_EQ(http::host_and_path("ftp://app.example.com/"), std::nullopt);
}

}  // namespace
}  // namespace cfmon
