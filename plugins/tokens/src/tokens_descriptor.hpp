#pragma once
// check_cf_service_tokens as the family knows it: its info, options, plan, run and discovery.
#include "cfmon/check.hpp"
#include "tokens_options.hpp"

namespace cfmon::tokens {

extern const plugin::CheckDescriptor<TokensOptions, TokensPlan> kCheck;

}  // namespace cfmon::tokens
