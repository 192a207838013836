// What hostile or broken peers make the classifier say: JSON error bodies however they
// are spaced, and curl's failure texts put in plain words (the real texts are pinned
// end to end by tests/integration/fault_matrix_test.cpp).
#include <gtest/gtest.h>

#include "classify.hpp"

namespace cfmon {
namespace {

http::Response with_body(long status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ClassifyHostile, JsonErrorCodeIsFoundHoweverItIsSpaced) {
  for (const char* body : {R"({"error_code":1033})", R"({"error_code": 1033, "retry_after": 120})",
                           "{\n  \"status\": 530,\n  \"error_code\" :\n\t1033\n}"}) {
    EXPECT_EQ(classify_access_response(with_body(530, body)).reason, "tunnel_down") << body;
  }
}

TEST(ClassifyHostile, JsonErrorCodeMustMatchWhole) {
  for (const char* body : {R"({"error_code": 10330})", R"({"error_code": "x1033"})", R"({"error_code" 1033})"}) {
    EXPECT_EQ(classify_access_response(with_body(530, body)).reason, "origin_unreachable") << body;
  }
}

struct Words {
  http::ErrorKind kind;
  const char* curl_says;
  const char* reason;
  const char* person_reads;
};

TEST(ClassifyHostile, TransportFailuresArePutInPlainWords) {
  const Words rows[] = {
      {http::ErrorKind::tls, "SSL certificate problem: certificate has expired", "tls_error", "certificate expired"},
      {http::ErrorKind::tls, "SSL certificate problem: unable to get local issuer certificate", "tls_error",
       "certificate signed by an untrusted CA"},
      {http::ErrorKind::tls, "SSL: no alternative certificate subject name matches target host name 'a.test'",
       "tls_error", "certificate is for another host name"},
      {http::ErrorKind::tls, "error:0A00010B:SSL routines::wrong version number", "tls_error",
       "the server does not speak TLS there"},
      {http::ErrorKind::tls, "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to a.test:443", "tls_error",
       "connection closed during the TLS handshake"},
      {http::ErrorKind::protocol, "Received HTTP/0.9 when not allowed", "protocol_error", "no HTTP status line"},
      {http::ErrorKind::protocol, "Unsupported response code in HTTP response", "protocol_error",
       "malformed HTTP status line"},
      {http::ErrorKind::protocol, "Recv failure: Connection reset by peer", "protocol_error",
       "connection reset by the server"},
  };
  for (const auto& row : rows) {
    const Verdict v = classify_transport_error(http::TransportError{row.kind, 0, row.curl_says, {}}, State::critical);
    EXPECT_EQ(v.state, State::critical) << row.curl_says;
    EXPECT_EQ(v.reason, row.reason) << row.curl_says;
    EXPECT_NE(v.meaning.find(std::string(": ") + row.person_reads + " ("), std::string::npos) << v.meaning;
    EXPECT_NE(v.meaning.find(row.curl_says), std::string::npos) << "curl's own words stay: " << v.meaning;
  }
}

TEST(ClassifyHostile, UnknownWordsStayCurlsOwn) {
  const Verdict v =
      classify_transport_error(http::TransportError{http::ErrorKind::tls, 35, "something new", {}}, State::critical);
  EXPECT_EQ(v.meaning, "cannot reach the edge: TLS failed (something new)");
}

}  // namespace
}  // namespace cfmon
