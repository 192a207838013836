#include "cfmon/secret.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cfmon {
namespace {

std::string replace_all(std::string text, std::string_view needle) {
  std::string::size_type pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), "<redacted>");
    pos += 10;
  }
  return text;
}

bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string percent_encoded(std::string_view value, const char* hex, bool plus_for_space) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (is_unreserved(c)) {
      out += c;
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += hex[u >> 4U];
      out += hex[u & 0xFU];
    }
  }
  return out;
}

// JSON string content as nlohmann writes it, plus the variants other encoders choose.
std::string json_escaped(std::string_view value, bool escape_slash, bool ascii_only) {
  const nlohmann::json j = std::string(value);
  std::string quoted = j.dump(-1, ' ', ascii_only, nlohmann::json::error_handler_t::replace);
  std::string out = quoted.substr(1, quoted.size() - 2);
  cleanse(quoted);
  if (!escape_slash) return out;
  std::string slashed;
  for (const char c : out) {
    if (c == '/') slashed += '\\';
    slashed += c;
  }
  cleanse(out);
  return slashed;
}

}  // namespace

Secret::~Secret() {
  // Wipe the bytes so a core dump or reused heap page does not keep them.
  cleanse(value_);
}

void cleanse(std::string& text) noexcept {
  // The whole capacity: a string that shrank still holds the old bytes beyond size().
  if (text.capacity() > 0) OPENSSL_cleanse(text.data(), text.capacity());
  text.clear();
}

std::string redact(std::string text, std::initializer_list<const Secret*> secrets) {
  for (const Secret* secret : secrets) {
    if (secret == nullptr || secret->empty()) continue;
    text = replace_all(std::move(text), secret->reveal());
  }
  return text;
}

std::string redact(std::string text, const std::vector<Secret>& secrets) {
  std::vector<const Secret*> order;
  for (const auto& s : secrets) {
    if (!s.empty()) order.push_back(&s);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Secret* a, const Secret* b) { return a->reveal().size() > b->reveal().size(); });
  for (const Secret* s : order) text = replace_all(std::move(text), s->reveal());
  return text;
}

std::vector<Secret> reflected_forms(std::string_view value) {
  std::vector<Secret> forms;
  const auto add = [&forms](std::string form) {
    const bool known = std::any_of(forms.begin(), forms.end(), [&form](const Secret& s) { return s.reveal() == form; });
    if (!form.empty() && !known) forms.emplace_back(std::move(form));
    cleanse(form);
  };
  add(std::string(value));
  add(json_escaped(value, false, false));
  add(json_escaped(value, true, false));
  add(json_escaped(value, false, true));
  add(json_escaped(value, true, true));
  add(percent_encoded(value, "0123456789ABCDEF", false));
  add(percent_encoded(value, "0123456789abcdef", false));
  add(percent_encoded(value, "0123456789ABCDEF", true));
  add(percent_encoded(value, "0123456789abcdef", true));
  return forms;
}

}  // namespace cfmon
