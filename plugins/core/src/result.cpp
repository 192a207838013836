#include "cfmon/result.hpp"

namespace cfmon {

void Result::aggregate_from_children() {
  for (auto& child : children) {
    child.aggregate_from_children();
  }
  if (children.empty()) return;
  State s = children.front().state;
  for (const auto& child : children) s = worst(s, child.state);
  state = s;
}

}  // namespace cfmon
