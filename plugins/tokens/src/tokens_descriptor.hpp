#pragma once
// check_cf_service_tokens as the family knows it: its info, options, plan, run and discovery.
#include "cfmon/check.hpp"
#include "tokens_options.hpp"

namespace cfmon::tokens {

// Built on first use (a function-local static: nothing runs before main).
const plugin::CheckDescriptor<TokensOptions, TokensPlan>& descriptor();

}  // namespace cfmon::tokens
