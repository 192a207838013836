#pragma once
// The HTTP engine's internals (cfmon_http only): URL helpers, the transfer slot the
// multi driver hands to curl, its callbacks and the redaction of everything it reports.
#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/http.hpp"

namespace cfmon::http::internal {

// ------------------------------------------------------------ text and URLs (http_url.cpp)

std::string to_lower(std::string_view s);
// Without surrounding blanks and line ends.
std::string_view trim(std::string_view s);

// RAII for a CURLU handle.
struct UrlDeleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

// ------------------------------------------------------------ the transfer (http_transfer.cpp)

// RAII for curl_slist.
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

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
  bool stopped_at_cap = false;  // we aborted the body on purpose
  bool headers_too_large = false;
  bool headers_complete = false;         // the blank line that ends the header block arrived
  const Transport* transport = nullptr;  // the client's, for every hop
  int verbosity = 0;
  DebugSink sink = nullptr;

  // Ready for the next request; false if no curl handle could be had.
  bool reset_for(std::size_t i, const Request& r);
  // Ready for the next hop of the same request.
  bool reset_hop();
};

// Sets every option of the slot's current hop (transport included), `timeout` >= 1 ms.
void configure(Transfer& t, std::chrono::milliseconds timeout);

// The outcome of the slot's current hop, once curl is done with it.
Outcome finish(Transfer& t, CURLcode code);

// ------------------------------------------------------------ redaction (http_redact.cpp)

// Everything a server could reflect of this request's credentials, in every form.
std::vector<Secret> credential_forms(const Request& r);

// CURLOPT_DEBUGFUNCTION: redacted trace lines to the slot's sink.
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user);

// `text` on one line (CR and LF made spaces), trimmed.
std::string one_line(std::string text);

// ------------------------------------------------------------ redirects (http_redirect.cpp)

// The URL to request next when `response` is a redirect the request wants followed;
// otherwise nullopt, and `response.redirect_stop` says why a same-origin one was not.
std::optional<std::string> next_hop(const Transfer& t, Response& response);

// What is left of the request's own timeout (shared by its hops) and of the run's
// deadline; below 1 ms nothing may start, since curl reads a 0 ms timeout as "none".
std::chrono::milliseconds time_left(const Transfer& t);

// The timeout error of a request (or hop) that had no time left to start.
TransportError out_of_time(const Transfer& t);

}  // namespace cfmon::http::internal
