#include "cfmon/http.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

namespace cfmon::http {
namespace {

// curl_global_init once per process, before any handle exists. OpenSSL is told first
// not to register its atexit cleanup: freeing every table at exit costs a plugin that
// lives for one probe about 4% of its instructions, and the kernel frees it all anyway.
void global_init_once() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// "host:port" of an http(s) URL as curl --resolve entries name it (IPv6 literals keep
// their brackets); empty when the URL does not parse, and then nothing is filtered.
std::string resolve_key(const std::string& url) {
  std::string key;
  CURLU* u = curl_url();
  if (u == nullptr) return key;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    key = std::string(host) + ":" + port + ":";
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return key;
}

// RAII for a CURLU handle.
struct UrlDeleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

std::optional<std::string> url_part(CURLU* u, CURLUPart part, unsigned int flags = 0) {
  char* text = nullptr;
  if (curl_url_get(u, part, &text, flags) != CURLUE_OK || text == nullptr) return std::nullopt;
  std::string out(text);
  curl_free(text);
  return out;
}

bool is_http_scheme(CURLU* u) {
  const auto scheme = url_part(u, CURLUPART_SCHEME);
  return scheme && (*scheme == "http" || *scheme == "https");
}

// Whether a --resolve entry ([+-]HOST:PORT[:ADDR...] or *:PORT:ADDR...) can apply to
// `key` ("host:port:").
bool resolve_entry_applies(std::string_view entry, std::string_view key) {
  if (key.empty()) return true;
  if (!entry.empty() && (entry.front() == '+' || entry.front() == '-')) entry.remove_prefix(1);
  const auto names = [&entry](std::string_view host_port) {  // "host:port" then ':' or the end
    return iequals_prefix(entry, host_port) && (entry.size() == host_port.size() || entry[host_port.size()] == ':');
  };
  const std::string_view host_port = key.substr(0, key.size() - 1);
  const auto port = host_port.rfind(':');  // IPv6 hosts hold ':' too; the port follows the last
  return names(host_port) ||
         (port != std::string_view::npos && names("*" + std::string(host_port.substr(port))));
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// RAII for curl_slist.
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void slist_append(Slist& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (appended != nullptr) {
    (void)list.release();
    list.reset(appended);
  }
}

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

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

ErrorKind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ErrorKind::dns;
    case CURLE_COULDNT_CONNECT:
      return ErrorKind::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return ErrorKind::tls;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
      return ErrorKind::config;
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorKind::too_large;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP3:
      return ErrorKind::protocol;
    default:
      return ErrorKind::other;
  }
}

// One slot of the driver: the state of the transfer running in it. Its address is
// given to curl callbacks, so slots never move; the easy handle is reused from one
// transfer to the next (curl_easy_reset drops every option, configure sets them again).
struct Transfer {
  using Clock = std::chrono::steady_clock;
  std::size_t index = 0;
  const Request* request = nullptr;
  std::string url;                 // this hop's URL: the request's, then each redirect's
  std::vector<std::string> chain;  // URLs already requested in this chain
  Clock::time_point started;       // the first hop's start: every hop shares request->timeout
  double elapsed_before = 0.0;     // seconds spent on earlier hops
  Easy easy;
  Slist header_list;
  Slist resolve_list;
  char error_buffer[CURL_ERROR_SIZE] = {};
  Response response;
  std::size_t header_bytes = 0;
  bool stopped_at_cap = false;   // we aborted the body on purpose
  bool headers_too_large = false;
  bool headers_complete = false;  // the blank line that ends the header block arrived
  int verbosity = 0;
  DebugSink sink = nullptr;

  // Ready for the next request; false if no curl handle could be had.
  bool reset_for(std::size_t i, const Request& r) {
    index = i;
    request = &r;
    url = r.url;
    chain.clear();
    started = Clock::now();
    elapsed_before = 0.0;
    return reset_hop();
  }

  // Ready for the next hop of the same request.
  bool reset_hop() {
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
};

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
  t->response.headers.emplace_back(to_lower(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
  return bytes;
}

// Everything a server could reflect of this request's credentials: each secret header's
// value, the credential after an auth scheme ("Bearer <token>": a reflected bare token),
// the request's secret parts, each in every reflected form.
std::vector<Secret> credential_forms(const Request& r) {
  std::vector<Secret> forms;
  const auto add_forms = [&forms](std::string_view value) {
    for (auto& form : reflected_forms(value)) forms.push_back(std::move(form));
  };
  for (const auto& [name, secret] : r.secret_headers) {
    const std::string_view value = secret.reveal();
    add_forms(value);
    const auto credential = value.find_first_not_of(' ', value.find(' '));
    if (value.find(' ') != std::string_view::npos && credential != std::string_view::npos) {
      add_forms(value.substr(credential));
    }
  }
  for (const auto& part : r.secret_parts) add_forms(part.reveal());
  return forms;
}

// Verbose traces: header names are always shown, values of secret headers never.
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->sink == nullptr) return 0;
  const char* prefix = nullptr;
  switch (type) {
    case CURLINFO_TEXT: prefix = "* "; break;
    case CURLINFO_HEADER_IN: prefix = "< "; break;
    case CURLINFO_HEADER_OUT: prefix = "> "; break;
    default: return 0;
  }
  const std::string text = redact(std::string(data, size), credential_forms(*t->request));
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = trim(rest.substr(0, nl));
    if (!line.empty()) t->sink(std::string(prefix) + std::string(line));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}

template <class T>
void setopt(CURL* easy, CURLoption option, T value) {
  // Every option we set is valid for this libcurl; a failure is a programming error
  // that shows up as a failed transfer, so the return code is not needed here.
  (void)curl_easy_setopt(easy, option, value);
}

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
  if (!r.user_agent.empty()) setopt(easy, CURLOPT_USERAGENT, r.user_agent.c_str());
  if (!r.ca_file.empty()) setopt(easy, CURLOPT_CAINFO, r.ca_file.c_str());
  // No CA directory, ever: with one set, libcurl 7.88 re-reads the CA bundle for every
  // connection instead of caching the parsed store in the multi handle
  // (CURLOPT_CA_CACHE_TIMEOUT), and with --ca-file the system store is not wanted at
  // all. Debian's bundle holds the same certificates as /etc/ssl/certs.
  // CURLOPT_SSL_OPTIONS has nothing to offer here: its flags are Schannel-only or
  // loosen verification.
  setopt(easy, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  if (r.insecure) {
    setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (r.ip_version == 4) setopt(easy, CURLOPT_IPRESOLVE, static_cast<long>(CURL_IPRESOLVE_V4));
  if (r.ip_version == 6) setopt(easy, CURLOPT_IPRESOLVE, static_cast<long>(CURL_IPRESOLVE_V6));

  for (const auto& [name, value] : r.headers) slist_append(t.header_list, name + ": " + value);
  for (const auto& [name, secret] : r.secret_headers) {
    std::string line = name + ": " + std::string(secret.reveal());
    slist_append(t.header_list, line);
    std::fill(line.begin(), line.end(), '\0');
  }
  if (t.header_list) setopt(easy, CURLOPT_HTTPHEADER, t.header_list.get());
  // Only the request's own entries: curl loads a transfer's whole list into the DNS cache.
  for (const auto& entry : resolve_entries_for(t.url, r.resolve)) slist_append(t.resolve_list, entry);
  if (t.resolve_list) setopt(easy, CURLOPT_RESOLVE, t.resolve_list.get());

  if (t.verbosity >= 3 && t.sink != nullptr) {
    setopt(easy, CURLOPT_VERBOSE, 1L);
    setopt(easy, CURLOPT_DEBUGFUNCTION, &on_debug);
    setopt(easy, CURLOPT_DEBUGDATA, static_cast<void*>(&t));
  }
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(text));
}

std::string http_version_name(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return {};
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

Outcome finish(Transfer& t, CURLcode code) {
  CURL* easy = t.easy.get();
  const Timings timings = since_chain_start(t, read_timings(easy));
  const bool aborted_by_cap = t.stopped_at_cap && code == CURLE_WRITE_ERROR;
  if ((code == CURLE_OK || aborted_by_cap) && !t.headers_complete) {
    // curl accepts a connection closed in the middle of the header block as a complete
    // answer; without the blank line nothing says the headers (or the status) were all there.
    return TransportError{ErrorKind::protocol, static_cast<int>(CURLE_WEIRD_SERVER_REPLY),
                          "the header block never ended: the connection closed before the blank line" +
                              after_redirects(t),
                          timings};
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

}  // namespace

std::optional<std::string_view> Response::header(std::string_view name) const {
  const std::string lower = to_lower(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string> resolve_entries_for(const std::string& url, const std::vector<std::string>& resolve) {
  if (resolve.empty()) return {};
  const std::string key = resolve_key(url);
  std::vector<std::string> entries;
  for (const auto& entry : resolve) {
    if (resolve_entry_applies(entry, key)) entries.push_back(entry);
  }
  return entries;
}

std::optional<std::string> resolve_location(const std::string& base, std::string_view location) {
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return std::nullopt;
  // A relative or protocol-relative Location resolves against the base, as browsers do.
  const std::string text(location);
  if (text.empty() || text.find('\0') != std::string::npos ||
      curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_URLENCODE | CURLU_ALLOW_SPACE) != CURLUE_OK ||
      !is_http_scheme(u.get())) {
    return std::nullopt;
  }
  (void)curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);  // never sent
  return url_part(u.get(), CURLUPART_URL);
}

std::optional<std::string> origin_of(const std::string& url) {
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK || !is_http_scheme(u.get())) {
    return std::nullopt;
  }
  const auto scheme = url_part(u.get(), CURLUPART_SCHEME);
  const auto host = url_part(u.get(), CURLUPART_HOST);
  const auto port = url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) return std::nullopt;
  return *scheme + "://" + to_lower(*host) + ":" + *port;
}

std::string_view error_kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::dns: return "dns_error";
    case ErrorKind::connect: return "connect_error";
    case ErrorKind::tls: return "tls_error";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::protocol: return "protocol_error";
    case ErrorKind::too_large: return "response_too_large";
    case ErrorKind::config: return "config_error";
    case ErrorKind::other: return "transport_error";
  }
  return "transport_error";
}

struct CurlClient::Impl {
  int verbosity = 0;
  DebugSink sink = nullptr;
  CURLM* multi = nullptr;
  CURLSH* share = nullptr;

  Impl(int v, DebugSink s) : verbosity(v), sink(s) {
    global_init_once();
    multi = curl_multi_init();
    share = curl_share_init();
    // One thread drives every transfer, so the share needs no lock callbacks.
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  }
  ~Impl() {
    curl_multi_cleanup(multi);
    curl_share_cleanup(share);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

namespace {

// Each transfer in flight holds a socket and curl may keep as many idle ones; a
// --parallel near the default soft limit of 1024 descriptors would otherwise fail
// with "couldn't connect" for no reason the user could see.
void ensure_descriptors(std::size_t parallel) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(parallel) * 2 + 64;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  (void)setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

CurlClient::CurlClient(int verbosity, DebugSink sink) : impl_(std::make_unique<Impl>(verbosity, sink)) {}
CurlClient::~CurlClient() = default;

namespace {

bool is_followable_status(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The URL to request next when `response` is a redirect the request wants followed;
// otherwise nullopt, and `response.redirect_stop` says why a same-origin one was not.
std::optional<std::string> next_hop(const Transfer& t, Response& response) {
  const Request& r = *t.request;
  if (r.max_redirects <= 0 || !is_followable_status(response.status)) return std::nullopt;
  const auto location = response.header("location");  // already redacted
  if (!location) return std::nullopt;
  auto next = resolve_location(t.url, *location);
  if (!next || (r.is_final_redirect != nullptr && r.is_final_redirect(*next))) return std::nullopt;
  const auto here = origin_of(t.url);
  if (!here || origin_of(*next) != here) return std::nullopt;  // the credentials stay home
  if (*next == t.url || std::find(t.chain.begin(), t.chain.end(), *next) != t.chain.end()) {
    response.redirect_stop = RedirectStop::loop;
    return std::nullopt;
  }
  if (t.chain.size() >= static_cast<std::size_t>(r.max_redirects)) {
    response.redirect_stop = RedirectStop::limit;
    return std::nullopt;
  }
  return next;
}

// What is left of the request's own timeout (shared by its hops) and of the run's
// deadline; below 1 ms nothing may start, since curl reads a 0 ms timeout as "none".
std::chrono::milliseconds time_left(const Transfer& t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto now = Transfer::Clock::now();
  auto left = t.request->timeout - duration_cast<milliseconds>(now - t.started);
  if (t.request->deadline) left = std::min(left, duration_cast<milliseconds>(*t.request->deadline - now));
  return left;
}

TransportError out_of_time(const Transfer& t) {
  TransportError error{ErrorKind::timeout, static_cast<int>(CURLE_OPERATION_TIMEDOUT), {}, {}};
  if (t.chain.empty()) {
    error.message = "not started: the time budget was spent before its turn";
  } else {
    error.message = "no time left to follow redirect " + std::to_string(t.chain.size()) + " to " + t.url;
    error.timings.total = t.elapsed_before;
  }
  return error;
}

}  // namespace

// One thread, one multi handle: at most `parallel` transfers are in the multi at a
// time. Each gets what is left of its own timeout and of the run's deadline when it
// enters, so a stuck target holds one slot until then and never delays the others, and
// the whole run ends by the deadline. A redirect to follow re-enters in the same slot.
std::vector<Outcome> CurlClient::perform(const std::vector<Request>& requests, std::size_t parallel) {
  std::vector<Outcome> outcomes(requests.size(), Outcome{TransportError{}});
  if (requests.empty()) return outcomes;
  parallel = std::clamp<std::size_t>(parallel, 1, requests.size());
  ensure_descriptors(parallel);
  CURLM* multi = impl_->multi;
  // Idle connections beyond one per slot only pin server workers and descriptors.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(parallel));

  std::vector<Transfer> slots(parallel);  // never resized: curl holds their addresses
  std::vector<Transfer*> free_slots;
  free_slots.reserve(parallel);
  for (auto it = slots.rbegin(); it != slots.rend(); ++it) free_slots.push_back(&*it);
  std::size_t next = 0;
  std::size_t running = 0;

  // Puts the slot's current hop into the multi; otherwise its outcome is the error.
  auto start = [&](Transfer& t) {
    const auto left = time_left(t);
    if (left < std::chrono::milliseconds(1)) {
      outcomes[t.index] = out_of_time(t);
      return false;
    }
    t.verbosity = impl_->verbosity;
    t.sink = impl_->sink;
    configure(t, left);
    curl_easy_setopt(t.easy.get(), CURLOPT_SHARE, impl_->share);
    if (curl_multi_add_handle(multi, t.easy.get()) != CURLM_OK) {
      outcomes[t.index] = TransportError{ErrorKind::other, 0, "cannot start the transfer", {}};
      return false;
    }
    return true;
  };

  // Starts requests while a slot is free; a request that cannot start gets its error.
  auto fill_slots = [&] {
    while (!free_slots.empty() && next < requests.size()) {
      Transfer& t = *free_slots.back();
      const std::size_t index = next++;
      if (!t.reset_for(index, requests[index])) {
        outcomes[index] = TransportError{ErrorKind::other, 0, "cannot create a curl handle", {}};
        continue;
      }
      if (!start(t)) continue;
      free_slots.pop_back();
      ++running;
    }
  };

  fill_slots();
  while (running > 0) {
    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* priv = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      auto* t = static_cast<Transfer*>(priv);
      const CURLcode code = msg->data.result;
      Outcome outcome = finish(*t, code);
      curl_multi_remove_handle(multi, t->easy.get());
      t->header_list.reset();
      t->resolve_list.reset();
      if (auto* response = std::get_if<Response>(&outcome)) {
        if (auto hop = next_hop(*t, *response)) {
          t->elapsed_before = response->timings.total;
          t->chain.push_back(t->url);
          t->url = std::move(*hop);
          if (t->reset_hop() && start(*t)) continue;  // the slot stays busy with the next hop
          if (t->easy == nullptr)
            outcomes[t->index] = TransportError{ErrorKind::other, 0, "cannot create a curl handle", {}};
          free_slots.push_back(t);
          --running;
          continue;
        }
      }
      outcomes[t->index] = std::move(outcome);
      free_slots.push_back(t);
      --running;
    }
    // New transfers start in the same round, so a finished slot never idles for a poll.
    fill_slots();
    if (running > 0) {
      // Waits for socket activity or curl's own timers; never busy-spins.
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
  }
  return outcomes;
}

}  // namespace cfmon::http
