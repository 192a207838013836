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
  std::size_t index = 0;
  const Request* request = nullptr;
  Easy easy;
  Slist header_list;
  Slist resolve_list;
  char error_buffer[CURL_ERROR_SIZE] = {};
  Response response;
  std::size_t header_bytes = 0;
  bool stopped_at_cap = false;   // we aborted the body on purpose
  bool headers_too_large = false;
  int verbosity = 0;
  DebugSink sink = nullptr;

  // Ready for the next request; false if no curl handle could be had.
  bool reset_for(std::size_t i, const Request& r) {
    index = i;
    request = &r;
    response = Response{};
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
    return bytes;
  }
  if (line == "\r\n" || line == "\n") {
    // The headers are complete: noted, so a failure in the body can say they had come.
    curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &t->response.status);
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

void configure(Transfer& t) {
  const Request& r = *t.request;
  CURL* easy = t.easy.get();
  setopt(easy, CURLOPT_URL, r.url.c_str());
  setopt(easy, CURLOPT_PRIVATE, static_cast<void*>(&t));
  setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer);
  setopt(easy, CURLOPT_NOSIGNAL, 1L);
  setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.timeout.count()));
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
  for (const auto& entry : resolve_entries_for(r.url, r.resolve)) slist_append(t.resolve_list, entry);
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

Outcome finish(Transfer& t, CURLcode code) {
  CURL* easy = t.easy.get();
  const Timings timings = read_timings(easy);
  const bool aborted_by_cap = t.stopped_at_cap && code == CURLE_WRITE_ERROR;
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

// One thread, one multi handle: at most `parallel` transfers are in the multi at a
// time, each with its own CURLOPT_TIMEOUT_MS counted from the moment it enters, so a
// stuck target holds one slot until its own deadline and never delays the others.
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

  // Starts requests while a slot is free; a request that cannot start gets its error.
  auto fill_slots = [&] {
    while (!free_slots.empty() && next < requests.size()) {
      Transfer& t = *free_slots.back();
      const std::size_t index = next++;
      if (!t.reset_for(index, requests[index])) {
        outcomes[index] = TransportError{ErrorKind::other, 0, "cannot create a curl handle", {}};
        continue;
      }
      t.verbosity = impl_->verbosity;
      t.sink = impl_->sink;
      configure(t);
      curl_easy_setopt(t.easy.get(), CURLOPT_SHARE, impl_->share);
      if (curl_multi_add_handle(multi, t.easy.get()) != CURLM_OK) {
        outcomes[index] = TransportError{ErrorKind::other, 0, "cannot start the transfer", {}};
        continue;
      }
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
      outcomes[t->index] = finish(*t, code);
      curl_multi_remove_handle(multi, t->easy.get());
      t->header_list.reset();
      t->resolve_list.reset();
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
