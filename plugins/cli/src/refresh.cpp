// cf-service-token refresh: extends a token's expiry by one year.
#include <ostream>

#include "session.hpp"

namespace cfmon::cli {
namespace {

struct Refresh final : Session {
  using Session::Session;

  int run(const ServiceTokenInfo& token) {
    auto refreshed = api_->refresh_service_token(token.id);
    if (!refreshed) return api_failure(refreshed.error());
    ctx_.out << "refreshed '" << printable(token.name) << "' (client ID " << token.client_id << "): ";
    if (refreshed->expires_at || refreshed->duration == "forever") {
      ctx_.out << "expires " << expires_text(*refreshed, ctx_.now()) << '\n';
    } else {
      // Absent or unreadable: unknown, never "never".
      ctx_.out << "the answer does not say the new expiry; see '" << kProgram << " list'\n";
    }
    return kExitOk;
  }
};

}  // namespace

const CommandCode kRefresh = {nullptr, run_on_named_token<Refresh>};

}  // namespace cfmon::cli
