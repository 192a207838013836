#include "cfmon/api_budget.hpp"

#include <limits>
#include <string>

namespace cfmon::plugin {

const Metric& api_budget_remaining_metric() {
  static const Metric metric{.field = "api_budget_remaining", .perf_label = "api_budget_remaining", .min = 0.0};
  return metric;
}

const Metric& api_budget_quota_metric() {
  static const Metric metric{.field = "api_budget_quota", .perf_label = "api_budget_quota", .min = 0.0};
  return metric;
}

void add_min_api_budget_option(boost::program_options::options_description& group) {
  group.add_options()("min-api-budget", boost::program_options::value<long long>()->value_name("N"),
                      "WARNING when the Cloudflare API answers left fewer than N requests in their rate-limit "
                      "window (shared by every host using the same user's tokens)");
}

std::optional<long long> min_api_budget_of(const boost::program_options::variables_map& vm) {
  if (vm.count("min-api-budget") == 0U) return std::nullopt;
  return vm["min-api-budget"].as<long long>();
}

std::optional<Error> check_min_api_budget(const std::optional<long long>& min_budget) {
  if (min_budget && (*min_budget < 1 || *min_budget > 1'000'000'000)) {
    return Error{"--min-api-budget must be a number of requests between 1 and 1000000000"};
  }
  return std::nullopt;
}

namespace {

std::string low_text(const cloudflare::ApiBudget& budget, long long min_budget) {
  std::string text = "Cloudflare API budget low: " + std::to_string(budget.remaining);
  if (budget.quota) text += " of " + std::to_string(*budget.quota);
  text += budget.remaining == 1 ? " request left" : " requests left";
  if (budget.window_seconds) text += " in this " + std::to_string(*budget.window_seconds) + " s window";
  return text + " (--min-api-budget " + std::to_string(min_budget) + ")";
}

}  // namespace

void judge_api_budget(Result& root, const std::optional<cloudflare::ApiBudget>& budget, std::size_t requests_sent,
                      std::optional<long long> min_budget) {
  if (budget) {
    std::optional<Range> warn;
    if (min_budget) {
      const auto min = static_cast<double>(*min_budget);
      warn = Range{min, std::numeric_limits<double>::infinity(), false, std::to_string(*min_budget) + ":"};
    }
    root.add(api_budget_remaining_metric(), FieldValue{static_cast<std::int64_t>(budget->remaining)}, warn);
    if (budget->quota) root.add(api_budget_quota_metric(), FieldValue{static_cast<std::int64_t>(*budget->quota)});
  }
  if (!min_budget) return;
  State state = State::warning;
  std::string reason;
  std::string text;
  if (budget) {
    if (budget->remaining >= *min_budget) return;
    reason = "api_budget_low";
    text = low_text(*budget, *min_budget);
  } else if (requests_sent > 0) {
    reason = "api_budget_unknown";
    text = "Cloudflare API budget unknown: no answer carried rate-limit headers (--min-api-budget " +
           std::to_string(*min_budget) + ")";
  } else {
    state = State::ok;
    text = "Cloudflare API budget not measured: every answer came from the cache (--min-api-budget " +
           std::to_string(*min_budget) + ")";
  }
  const bool could_not_run = root.children.empty() && root.state == State::unknown;
  if (!could_not_run && severity(state) > severity(root.state)) {
    root.state = state;
    root.reason = reason;
  }
  root.message = root.message.empty() ? text : root.message + "; " + text;
  root.notes.push_back(text);
}

}  // namespace cfmon::plugin
