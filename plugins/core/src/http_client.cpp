// CurlClient: the multi driver. One thread, a shared DNS and TLS-session cache, at most
// `parallel` transfers at a time, each slot following its request's redirects.
#include <openssl/crypto.h>
#include <sys/resource.h>

#include <algorithm>
#include <mutex>

#include "http_internal.hpp"

namespace cfmon::http {
namespace {

using internal::configure;
using internal::finish;
using internal::next_hop;
using internal::out_of_time;
using internal::time_left;
using internal::Transfer;

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

}  // namespace

struct CurlClient::Impl {
  Transport transport;
  int verbosity = 0;
  DebugSink sink = nullptr;
  CURLM* multi = nullptr;
  CURLSH* share = nullptr;

  Impl(Transport t, int v, DebugSink s) : transport(std::move(t)), verbosity(v), sink(s) {
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

CurlClient::CurlClient(Transport transport, int verbosity, DebugSink sink)
    : impl_(std::make_unique<Impl>(std::move(transport), verbosity, sink)) {}
CurlClient::~CurlClient() = default;

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
    t.transport = &impl_->transport;
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
