// Same-origin redirect following: which Location is the next hop, and how much of the
// request's time is left for it.
#include <algorithm>

#include "http_internal.hpp"

namespace cfmon::http::internal {

namespace {

bool is_followable_status(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

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

}  // namespace cfmon::http::internal
