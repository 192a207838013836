#include "auth_log.hpp"

namespace cfmon::emulator {

void AuthLog::record(AuthEvent event) {
  std::lock_guard lock(mutex_);
  events_.push_back(std::move(event));
  while (events_.size() > max_events_) events_.pop_front();
}

std::vector<AuthEvent> AuthLog::snapshot() const {
  std::lock_guard lock(mutex_);
  return {events_.begin(), events_.end()};
}

std::size_t AuthLog::size() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

void AuthLog::clear() {
  std::lock_guard lock(mutex_);
  events_.clear();
}

}  // namespace cfmon::emulator
