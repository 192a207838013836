#include "cfmon/secret.hpp"

#include <openssl/crypto.h>

namespace cfmon {

Secret::~Secret() {
  // Wipe the bytes so a core dump or reused heap page does not keep them.
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

std::string redact(std::string text, std::initializer_list<const Secret*> secrets) {
  for (const Secret* secret : secrets) {
    if (secret == nullptr || secret->empty()) continue;
    const std::string_view needle = secret->reveal();
    std::string::size_type pos = 0;
    while ((pos = text.find(needle, pos)) != std::string::npos) {
      text.replace(pos, needle.size(), "<redacted>");
      pos += 10;
    }
  }
  return text;
}

}  // namespace cfmon
