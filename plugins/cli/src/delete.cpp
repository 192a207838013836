// cf-service-token delete: revokes a token (after confirmation) and removes its
// credentials from --env-file.
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <ostream>

#include "env_file_writer.hpp"
#include "session.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

void add_options(po::options_description& group, Options& o) {
  // clang-format off
  group.add_options()
    ("yes,y", po::bool_switch(&o.yes), "do not ask for confirmation");
  // clang-format on
}

struct Delete final : Session {
  using Session::Session;

  int run(const ServiceTokenInfo& token) {
    const std::string described =
        "'" + printable(token.name) + "' (id " + token.id + ", client ID " + token.client_id + ")";
    if (!o_.yes) {
      if (!ctx_.stdin_is_tty) {
        return fail(kExitUsage,
                    "refusing to delete " + described + " without confirmation: stdin is not a terminal; add --yes");
      }
      ctx_.err << "Delete service token " << described << "?\n"
               << "Every app using it refuses it at once; this cannot be undone. [y/N] " << std::flush;
      const auto answer = ctx_.read_line ? ctx_.read_line() : std::nullopt;
      if (!answer || (*answer != "y" && *answer != "Y" && *answer != "yes" && *answer != "YES")) {
        return fail(kExitAborted, "aborted; nothing deleted");
      }
    }
    auto deleted = api_->delete_service_token(token.id);
    if (!deleted) return api_failure(deleted.error());
    ctx_.out << "deleted service token " << described << "\n";

    const auto& env_file = o_.common.env_file;
    if (!env_file) return kExitOk;
    struct stat st {};
    if (::lstat(env_file->c_str(), &st) != 0) {
      ctx_.out << "  " << printable(*env_file) << " does not exist: nothing to remove\n";
      return kExitOk;
    }
    std::vector<std::string> removed;
    auto outcome = update_env_file(
        *env_file,
        [&](const DotenvMap& current) {
          removed = keys_to_remove(current, token.client_id);
          std::vector<EnvChange> changes;
          changes.reserve(removed.size());
          for (const auto& k : removed) changes.push_back(EnvChange{k, std::nullopt});
          return changes;
        },
        ctx_.env_write);
    if (!outcome) {
      return fail(kExitFailed,
                  "the token is deleted, but its credentials could not be removed: " + outcome.error().message);
    }
    for (const auto& w : outcome->warnings) warn(w);
    if (removed.empty()) {
      ctx_.out << "  " << printable(*env_file) << " held no credentials of this token\n";
    } else {
      std::string list;
      for (const auto& k : removed) list += (list.empty() ? "" : ", ") + k;
      ctx_.out << "  removed " << list << " from " << printable(*env_file) << '\n';
    }
    return kExitOk;
  }
};

}  // namespace

const CommandCode kDelete = {add_options, run_on_named_token<Delete>};

}  // namespace cfmon::cli
