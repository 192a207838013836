// cf-service-token refresh: extends a token's expiry by one year.
#include <boost/program_options.hpp>
#include <ostream>

#include "session.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

class Refresh final : public Session {
 public:
  using Session::Session;

  int run() {
    const auto ref = one_reference();
    if (!ref) return exit_code_;
    if (!connect()) return exit_code_;
    const auto token = resolve(*ref);
    if (!token) return exit_code_;
    auto refreshed = api_->refresh_service_token(token->id);
    if (!refreshed) return api_failure(refreshed.error());
    ctx_.out << "refreshed '" << printable(token->name) << "' (client ID " << token->client_id << "): ";
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

void refresh_options(po::options_description& /*group*/, Options& /*o*/) {}

int run_refresh(CliContext& ctx, const Command& command, Options& o) {
  return Refresh(ctx, command, o).run();
}

}  // namespace cfmon::cli
