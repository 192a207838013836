#include "secret_first.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ostream>

namespace cfmon::cli {

// ------------------------------------------------------------ where the credentials go

std::vector<EnvKeys> KeyChoice::keys_in(const DotenvMap& env, std::string_view client_id) const {
  if (!var_prefix) {
    auto held = client_id.empty() ? std::vector<EnvKeys>{} : keys_holding(env, client_id);
    if (!held.empty()) return held;
  }
  return {default_env_keys(var_prefix.value_or(""))};
}

std::string KeyChoice::conflict_in(const DotenvMap& env, const std::vector<EnvKeys>& keys,
                                   std::string_view client_id) const {
  if (overwrite) return {};
  for (const auto& k : keys) {
    auto conflict = overwrite_conflict(env, k, client_id);
    if (!conflict.empty()) return conflict;
  }
  return {};
}

std::optional<std::string> preflight_env_file(const std::string& path, DotenvMap& current) {
  const std::string shown = "--env-file '" + printable(path) + "'";
  std::string dir;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return shown + " is a directory, not a file";
    if (!S_ISREG(st.st_mode)) return shown + " is not a regular file";
    auto env = read_dotenv_file(path);
    if (!env) return env.error().message + " (it must be valid before credentials are saved to it)";
    current = std::move(*env);
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) return shown + ": " + std::strerror(errno);
    dir = resolved;
  } else {
    const int err = errno;
    if (err != ENOENT) return shown + ": " + std::strerror(err);
    if (::lstat(path.c_str(), &st) == 0) return shown + " is a dangling symbolic link";
    dir = path;
  }
  const auto slash = dir.rfind('/');
  dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    return shown + ": the directory '" + printable(dir) + "' does not exist";
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return shown + ": cannot create files in '" + printable(dir) + "' (" + std::strerror(errno) +
           "); the file is replaced atomically through a temporary file beside it";
  }
  return std::nullopt;
}

std::string key_list(const std::vector<EnvKeys>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k.client_id + ", " + k.secret;
  return out;
}

void print_credentials(std::ostream& out, const std::vector<EnvKeys>& keys, const std::string& client_id,
                       const Secret& secret) {
  for (const auto& k : keys) {
    if (client_id.empty()) {
      out << "# " << k.client_id << ": not in Cloudflare's answer; find it with '" << kProgram << " list'\n";
    } else {
      out << k.client_id << '=' << quote_env_value(client_id) << '\n';
    }
    out << k.secret << '=' << quote_env_value(secret.reveal()) << '\n';
  }
}

// ------------------------------------------------------------ the secret first

SecretFirst::SecretFirst(std::ostream& out, std::ostream& err, std::string who, EnvWriteOptions write)
    : out_(out), err_(err), who_(std::move(who)), write_(std::move(write)) {}

Expected<std::vector<EnvKeys>, NotSaved> SecretFirst::save(const std::optional<std::string>& env_file,
                                                           const KeyChoice& choice, const std::string& client_id,
                                                           const cloudflare::CreatedToken& answer,
                                                           const std::vector<EnvKeys>& printed_as,
                                                           const ReadBack& read_back) const {
  std::vector<EnvKeys> keys = printed_as;
  if (env_file) {
    auto saved = persist(*env_file, choice, client_id, answer.client_secret);
    if (!saved) {
      print_secret_once(printed_as, client_id, answer.client_secret, saved.error().message);
      // The secret is out first; only then is the client ID it needs read back, if the
      // answer had none (the schema requires none), and added to the printed lines.
      if (client_id.empty() && read_back) {
        auto read = read_back();
        if (read && !read->client_id.empty()) {
          for (const auto& k : printed_as) out_ << k.client_id << '=' << quote_env_value(read->client_id) << '\n';
        } else {
          warn("cannot read the new token back for its client ID; find it with '" + std::string(kProgram) + " list'");
        }
      }
      for (const auto& w : answer.warnings) warn(w);
      return NotSaved{};
    }
    keys = std::move(*saved);
  }
  for (const auto& w : answer.warnings) warn(w);
  return keys;
}

// The keys are recomputed under the lock, so a concurrent edit cannot make us
// overwrite someone else's secret.
Expected<std::vector<EnvKeys>> SecretFirst::persist(const std::string& path, const KeyChoice& choice,
                                                    const std::string& client_id, const Secret& secret) const {
  std::vector<EnvKeys> keys;
  std::string conflict;
  auto outcome = update_env_file(
      path,
      [&](const DotenvMap& current) {
        keys = choice.keys_in(current, client_id);
        conflict = choice.conflict_in(current, keys, client_id);
        std::vector<EnvChange> changes;
        if (!conflict.empty()) return changes;
        for (const auto& k : keys) {
          // An unknown client ID (not in the answer) is never written as an empty one.
          if (!client_id.empty()) changes.push_back(EnvChange{k.client_id, Secret(client_id)});
          changes.push_back(EnvChange{k.secret, secret});
        }
        return changes;
      },
      write_);
  if (!outcome) return outcome.error();
  if (!conflict.empty()) return make_error("env file '" + printable(path) + "': " + conflict);
  for (const auto& w : outcome->warnings) warn(w);
  return keys;
}

Expected<EnvWriteOutcome> SecretFirst::complete_client_id(const std::string& path, const std::vector<EnvKeys>& keys,
                                                          const std::string& client_id, const Secret& secret) const {
  return update_env_file(
      path,
      [&](const DotenvMap& current) {
        std::vector<EnvChange> changes;
        for (const auto& k : keys) {
          const auto s = current.find(k.secret);
          const auto id = current.find(k.client_id);
          if (s != current.end() && s->second == secret.reveal() && (id == current.end() || id->second.empty())) {
            changes.push_back(EnvChange{k.client_id, Secret(client_id)});
          }
        }
        return changes;
      },
      write_);
}

// The last resort when the secret cannot be saved: show it once, loudly.
void SecretFirst::print_secret_once(const std::vector<EnvKeys>& keys, const std::string& client_id,
                                    const Secret& secret, const std::string& why) const {
  err_ << who_ << ": ERROR: the new secret could not be saved: " << why << '\n'
       << who_ << ": it is printed ONCE on stdout; copy it now\n";
  out_ << "###########################################################################\n"
       << "# WARNING: THIS SECRET WAS NOT SAVED ANYWHERE. Cloudflare shows it only once.\n"
       << "# Copy these lines into your .env or secret store NOW.\n"
       << "###########################################################################\n";
  print_credentials(out_, keys, client_id, secret);
}

void SecretFirst::warn(const std::string& message) const {
  err_ << "warning: " << message << '\n';
}

}  // namespace cfmon::cli
