// Redaction of what the engine reports: curl's verbose traces and error texts never
// hold a credential of the request, in any form a server may reflect it.
#include "http_internal.hpp"

namespace cfmon::http::internal {

// Everything a server could reflect of this request's credentials: each secret header's
// value, the credential after an auth scheme ("Bearer <token>": a reflected bare token),
// the request's secret parts, each in every reflected form.
std::vector<Secret> credential_forms(const Request& r) {
  std::vector<Secret> forms;
  const auto add_forms = [&forms](std::string_view value) {
    for (auto& form : reflected_forms(value)) forms.push_back(std::move(form));
  };
  for (const auto& [name, secret] : r.secret_headers) {
    const std::string_view value = secret.reveal();
    add_forms(value);
    const auto credential = value.find_first_not_of(' ', value.find(' '));
    if (value.find(' ') != std::string_view::npos && credential != std::string_view::npos) {
      add_forms(value.substr(credential));
    }
  }
  for (const auto& part : r.secret_parts) add_forms(part.reveal());
  return forms;
}

// Verbose traces: header names are always shown, values of secret headers never.
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->sink == nullptr) return 0;
  const char* prefix = nullptr;
  switch (type) {
    case CURLINFO_TEXT:
      prefix = "* ";
      break;
    case CURLINFO_HEADER_IN:
      prefix = "< ";
      break;
    case CURLINFO_HEADER_OUT:
      prefix = "> ";
      break;
    default:
      return 0;
  }
  const std::string text = redact(std::string(data, size), credential_forms(*t->request));
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = trim(rest.substr(0, nl));
    if (!line.empty()) t->sink(std::string(prefix) + std::string(line));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(text));
}

}  // namespace cfmon::http::internal
