#pragma once
// Files for tests: a fresh private temporary directory per use, and a reader.
#include <string>
#include <string_view>

namespace cfmon::testing {

// A directory of its own (mode 0700) under $TMPDIR, removed with all it holds on
// destruction, even entries a test made unreadable. Throws std::runtime_error when it
// cannot be made.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

  // Writes the bytes verbatim to a file created mode 0600 and returns its path;
  // throws std::runtime_error when it cannot.
  std::string write(const std::string& name, std::string_view bytes) const;

 private:
  std::string path_;
};

// The whole content of a file, byte for byte; empty when it cannot be read.
std::string slurp(const std::string& path);

}  // namespace cfmon::testing
