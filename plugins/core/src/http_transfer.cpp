// One transfer slot: the curl options of a hop (the client's transport applied), the
// body and header callbacks with their caps, and the hop's outcome.
#include <algorithm>

#include "cfmon/tables.hpp"
#include "http_internal.hpp"

namespace cfmon::http::internal {

bool Transfer::reset_for(std::size_t i, const Request& r) {
  index = i;
  request = &r;
  url = r.url;
  chain.clear();
  started = Clock::now();
  elapsed_before = 0.0;
  return reset_hop();
}

bool Transfer::reset_hop() {
  response = Response{};
  headers_complete = false;
  header_bytes = 0;
  stopped_at_cap = false;
  headers_too_large = false;
  error_buffer[0] = '\0';
  header_list.reset();
  resolve_list.reset();
  if (easy) {
    curl_easy_reset(easy.get());
  } else {
    easy.reset(curl_easy_init());
  }
  return easy != nullptr;
}

namespace {

void slist_append(Slist& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (appended != nullptr) {
    (void)list.release();
    list.reset(appended);
  }
}

double seconds(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  if (curl_easy_getinfo(easy, info, &us) != CURLE_OK) return 0.0;
  return static_cast<double>(us) / 1e6;
}

Timings read_timings(CURL* easy) {
  Timings t;
  t.namelookup = seconds(easy, CURLINFO_NAMELOOKUP_TIME_T);
  t.connect = seconds(easy, CURLINFO_CONNECT_TIME_T);
  t.tls = seconds(easy, CURLINFO_APPCONNECT_TIME_T);
  t.firstbyte = seconds(easy, CURLINFO_STARTTRANSFER_TIME_T);
  t.total = seconds(easy, CURLINFO_TOTAL_TIME_T);
  return t;
}

// What each libcurl result means for the verdict; anything else is ErrorKind::other.
constexpr CodeMap<CURLcode, ErrorKind, 33> kCurlErrorKinds{{{
    {CURLE_COULDNT_RESOLVE_HOST, ErrorKind::dns},
    {CURLE_COULDNT_RESOLVE_PROXY, ErrorKind::dns},
    {CURLE_COULDNT_CONNECT, ErrorKind::connect},
    {CURLE_OPERATION_TIMEDOUT, ErrorKind::timeout},
    {CURLE_SSL_CONNECT_ERROR, ErrorKind::tls},
    {CURLE_PEER_FAILED_VERIFICATION, ErrorKind::tls},
    {CURLE_SSL_CERTPROBLEM, ErrorKind::tls},
    {CURLE_SSL_CIPHER, ErrorKind::tls},
    {CURLE_SSL_ISSUER_ERROR, ErrorKind::tls},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, ErrorKind::tls},
    {CURLE_SSL_INVALIDCERTSTATUS, ErrorKind::tls},
    {CURLE_SSL_SHUTDOWN_FAILED, ErrorKind::tls},
    {CURLE_USE_SSL_FAILED, ErrorKind::tls},
    {CURLE_SSL_CACERT_BADFILE, ErrorKind::config},
    {CURLE_SSL_CRL_BADFILE, ErrorKind::config},
    {CURLE_SSL_ENGINE_NOTFOUND, ErrorKind::config},
    {CURLE_SSL_ENGINE_SETFAILED, ErrorKind::config},
    {CURLE_SSL_ENGINE_INITFAILED, ErrorKind::config},
    {CURLE_UNSUPPORTED_PROTOCOL, ErrorKind::config},
    {CURLE_URL_MALFORMAT, ErrorKind::config},
    {CURLE_BAD_FUNCTION_ARGUMENT, ErrorKind::config},
    {CURLE_NOT_BUILT_IN, ErrorKind::config},
    {CURLE_FILESIZE_EXCEEDED, ErrorKind::too_large},
    {CURLE_RECV_ERROR, ErrorKind::protocol},
    {CURLE_SEND_ERROR, ErrorKind::protocol},
    {CURLE_GOT_NOTHING, ErrorKind::protocol},
    {CURLE_WEIRD_SERVER_REPLY, ErrorKind::protocol},
    {CURLE_PARTIAL_FILE, ErrorKind::protocol},
    {CURLE_HTTP2, ErrorKind::protocol},
    {CURLE_HTTP2_STREAM, ErrorKind::protocol},
    {CURLE_TOO_MANY_REDIRECTS, ErrorKind::protocol},
    {CURLE_BAD_CONTENT_ENCODING, ErrorKind::protocol},
    {CURLE_HTTP3, ErrorKind::protocol},
}}};

ErrorKind kind_of(CURLcode code) {
  return kCurlErrorKinds(code, ErrorKind::other);
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const size_t room = t->request->max_body_bytes - std::min(t->request->max_body_bytes, t->response.body.size());
  const size_t keep = std::min(room, bytes);
  t->response.body.append(data, keep);
  if (keep < bytes) {
    // Enough body to classify: stop reading instead of downloading gigabytes.
    t->response.body_truncated = true;
    t->stopped_at_cap = true;
    return keep == 0 ? 0 : keep;  // anything short of `bytes` aborts the transfer
  }
  return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  t->header_bytes += bytes;
  if (t->header_bytes > t->request->max_header_bytes) {
    t->headers_too_large = true;
    return 0;
  }
  const std::string_view line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (e.g. after 100 Continue): keep only the final one's headers.
    t->response.headers.clear();
    t->response.status = 0;
    t->headers_complete = false;
    return bytes;
  }
  if (line == "\r\n" || line == "\n") {
    // The headers are complete: noted, so a failure in the body can say they had come.
    curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &t->response.status);
    t->headers_complete = true;
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  t->response.headers.emplace_back(to_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return bytes;
}

template <class T>
void setopt(CURL* easy, CURLoption option, T value) {
  // Every option we set is valid for this libcurl; a failure is a programming error
  // that shows up as a failed transfer, so the return code is not needed here.
  (void)curl_easy_setopt(easy, option, value);
}

}  // namespace

void configure(Transfer& t, std::chrono::milliseconds timeout) {
  const Request& r = *t.request;
  CURL* easy = t.easy.get();
  setopt(easy, CURLOPT_URL, t.url.c_str());
  setopt(easy, CURLOPT_PRIVATE, static_cast<void*>(&t));
  setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer);
  setopt(easy, CURLOPT_NOSIGNAL, 1L);
  setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // Never 0 here: libcurl reads 0 as "no timeout" (callers start nothing below 1 ms).
  setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Several targets on one host: wait for the first connection to learn whether it
  // speaks HTTP/2, and then multiplex over it rather than open one connection each.
  setopt(easy, CURLOPT_PIPEWAIT, 1L);
  // No Accept-Encoding: at most a capped piece of the body is read, to classify it, and
  // a compressed answer would cost a brotli/gzip coder on both ends of every probe
  // (measured: +2 MB peak RSS and a slower edge answer for one app).
  setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  setopt(easy, CURLOPT_WRITEDATA, static_cast<void*>(&t));
  setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  setopt(easy, CURLOPT_HEADERDATA, static_cast<void*>(&t));
  if (r.method == "HEAD") {
    setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (r.method != "GET") {
    setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
    setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    setopt(easy, CURLOPT_POSTFIELDS, r.body.c_str());
  }
  const Transport& transport = *t.transport;
  if (!transport.user_agent.empty()) setopt(easy, CURLOPT_USERAGENT, transport.user_agent.c_str());
  if (!transport.ca_file.empty()) setopt(easy, CURLOPT_CAINFO, transport.ca_file.c_str());
  // No CA directory, ever: with one set, libcurl 7.88 re-reads the CA bundle for every
  // connection instead of caching the parsed store in the multi handle
  // (CURLOPT_CA_CACHE_TIMEOUT), and with --ca-file the system store is not wanted at
  // all. Debian's bundle holds the same certificates as /etc/ssl/certs.
  // CURLOPT_SSL_OPTIONS has nothing to offer here: its flags are Schannel-only or
  // loosen verification.
  setopt(easy, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  if (transport.insecure) {
    setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (transport.ip_version == 4) setopt(easy, CURLOPT_IPRESOLVE, static_cast<long>(CURL_IPRESOLVE_V4));
  if (transport.ip_version == 6) setopt(easy, CURLOPT_IPRESOLVE, static_cast<long>(CURL_IPRESOLVE_V6));

  for (const auto& [name, value] : r.headers) {
    std::string line = name;
    line.append(": ").append(value);
    slist_append(t.header_list, line);
  }
  for (const auto& [name, secret] : r.secret_headers) {
    std::string line = name + ": " + std::string(secret.reveal());
    slist_append(t.header_list, line);
    std::fill(line.begin(), line.end(), '\0');
  }
  if (t.header_list) setopt(easy, CURLOPT_HTTPHEADER, t.header_list.get());
  // Only the request's own entries: curl loads a transfer's whole list into the DNS cache.
  for (const auto& entry : resolve_entries_for(t.url, transport.resolve)) slist_append(t.resolve_list, entry);
  if (t.resolve_list) setopt(easy, CURLOPT_RESOLVE, t.resolve_list.get());

  if (t.verbosity >= 3 && t.sink != nullptr) {
    setopt(easy, CURLOPT_VERBOSE, 1L);
    setopt(easy, CURLOPT_DEBUGFUNCTION, &on_debug);
    setopt(easy, CURLOPT_DEBUGDATA, static_cast<void*>(&t));
  }
}

namespace {

std::string http_version_name(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0:
      return "1.0";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return {};
  }
}

// Every field since the first hop's start, not this hop's.
Timings since_chain_start(const Transfer& t, Timings timings) {
  for (double* field : {&timings.namelookup, &timings.connect, &timings.tls, &timings.firstbyte, &timings.total}) {
    *field += t.elapsed_before;
  }
  return timings;
}

std::string after_redirects(const Transfer& t) {
  if (t.chain.empty()) return {};
  return ", after " + std::to_string(t.chain.size()) + (t.chain.size() == 1 ? " redirect" : " redirects");
}

}  // namespace

Outcome finish(Transfer& t, CURLcode code) {
  CURL* easy = t.easy.get();
  const Timings timings = since_chain_start(t, read_timings(easy));
  const bool aborted_by_cap = t.stopped_at_cap && code == CURLE_WRITE_ERROR;
  if ((code == CURLE_OK || aborted_by_cap) && !t.headers_complete) {
    // curl accepts a connection closed in the middle of the header block as a complete
    // answer; without the blank line nothing says the headers (or the status) were all there.
    return TransportError{
        ErrorKind::protocol, static_cast<int>(CURLE_WEIRD_SERVER_REPLY),
        "the header block never ended: the connection closed before the blank line" + after_redirects(t), timings};
  }
  if (code != CURLE_OK && !aborted_by_cap) {
    TransportError error;
    error.curl_code = static_cast<int>(code);
    error.timings = timings;
    if (t.headers_too_large) {
      error.kind = ErrorKind::too_large;
      error.message = "response headers larger than " + std::to_string(t.request->max_header_bytes) + " bytes";
    } else {
      error.kind = kind_of(code);
      // curl says "unsupported protocol" for a scheme it will not use, before any request,
      // and for a reply that is no HTTP (HTTP/0.9, a non-numeric status): that is the server's.
      long sent = 0;
      if (code == CURLE_UNSUPPORTED_PROTOCOL && curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK &&
          sent > 0) {
        error.kind = ErrorKind::protocol;
      }
      std::string detail = t.error_buffer[0] != '\0' ? std::string(t.error_buffer) : curl_easy_strerror(code);
      if (t.response.status > 0) detail += ", after the HTTP " + std::to_string(t.response.status) + " headers";
      detail += after_redirects(t);
      error.message = one_line(redact(std::move(detail), credential_forms(*t.request)));
    }
    return error;
  }
  Response response = std::move(t.response);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  long version = 0;
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
  response.http_version = http_version_name(version);
  response.body_bytes = response.body.size();
  response.timings = timings;
  response.url = t.url;
  response.redirects = t.chain.size();
  // A hostile server may reflect our credentials (e.g. in Location, which messages quote):
  // no field of a Response ever holds them.
  const auto forms = credential_forms(*t.request);
  for (auto& [name, value] : response.headers) {
    name = redact(std::move(name), forms);
    value = redact(std::move(value), forms);
  }
  response.body = redact(std::move(response.body), forms);
  return response;
}

}  // namespace cfmon::http::internal
