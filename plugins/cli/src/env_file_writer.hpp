#pragma once
// Updates KEY=VALUE entries of a dotenv file without ever losing it.
//
// What stays: every byte of every other entry, comment and blank line, their
// order, a UTF-8 BOM, CRLF line ends, `export ` prefixes, indentation and a
// trailing `# comment` on a replaced line.
// What changes:
//   - a key that exists is replaced in place, at its LAST occurrence (the one
//     that wins when the file is read); earlier duplicates are removed, so the
//     file says one thing;
//   - a key set to nullopt is removed (every occurrence);
//   - a new key is appended at the end, in the order given, with the line end
//     the file already uses (CRLF when most line ends are CRLF);
//   - values are written unquoted when they are plain ([A-Za-z0-9_./:@+,=%-]+),
//     in 'single quotes' otherwise, in "double quotes" with \" \\ \n \r \$
//     escapes when they hold a single quote or a line end; read_dotenv_file
//     gives back exactly the value (checked before anything is written).
// How: under an exclusive flock on the sibling `.<name>.lock` (bounded wait;
// the lock file stays, removing it would race), the new content goes to a
// temp file `.<name>.tmp.XXXXXX` in the same directory (O_EXCL, 0600), is
// fsynced, renamed over the file, and the directory is fsynced: a reader or a
// crash sees the complete old or the complete new file, never a mix. Temp
// files a killed writer left behind are removed by the next writer. A failed
// directory sync comes after the rename: the file holds the new content, so it
// is a warning in the outcome, not an error.
// Mode: the file is always 0600 afterwards (created 0600; a file readable or
// writable by group or others is tightened, with a warning). The owner and
// group of an existing file are kept when the process may (root).
// Symbolic links: the path is resolved and the TARGET is updated, so the link
// stays a link (a dangling link is an error). A file with several hard links
// is replaced for this name only (warning).
// Errors are values: one line naming the path, never a value.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/dotenv.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/secret.hpp"

namespace cfmon {

struct EnvChange {
  std::string key;              // [A-Za-z_][A-Za-z0-9_.]*
  std::optional<Secret> value;  // nullopt: remove the key
};

struct EnvWriteOptions {
  std::chrono::milliseconds lock_timeout{10000};  // waiting for another writer
  std::size_t max_bytes = 1 << 20;                // refuse to rewrite a larger file
  // Syncs the directory after the rename; empty: fsync(2). Tests inject failures.
  std::function<int(int directory_fd)> sync_directory;
};

struct EnvWriteOutcome {
  bool created = false;               // the file did not exist
  bool changed = false;               // false: content and mode were already right, nothing written
  std::vector<std::string> replaced;  // keys replaced in place
  std::vector<std::string> appended;  // keys added at the end
  std::vector<std::string> removed;   // keys removed (any occurrence)
  std::vector<std::string> warnings;  // one line each: mode tightened, hard links, ...
};

// Applies changes (later changes to the same key win).
Expected<EnvWriteOutcome> update_env_file(const std::string& path, const std::vector<EnvChange>& changes,
                                          const EnvWriteOptions& options = {});

// Computes the changes from the file's current entries while the lock is held
// (e.g. "remove every key whose value is this client ID"), then applies them.
// `current` is empty when the file does not exist yet.
using EnvChangePlanner = std::function<std::vector<EnvChange>(const DotenvMap& current)>;
Expected<EnvWriteOutcome> update_env_file(const std::string& path, const EnvChangePlanner& planner,
                                          const EnvWriteOptions& options = {});

// The pure part, exposed for tests: the new text for `text` after `changes`.
// Errors (invalid key, a value that cannot be written) never hold a value.
Expected<std::string> apply_env_changes(std::string_view text, const std::vector<EnvChange>& changes,
                                        EnvWriteOutcome* outcome = nullptr);

// How a value is written after KEY= (exposed for tests).
std::string quote_env_value(std::string_view value);

}  // namespace cfmon
