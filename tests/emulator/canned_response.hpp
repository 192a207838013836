#pragma once
// A whole answer in one call, for the edge (EdgeResponse) and the API (ApiHttpResponse).
#include <string>
#include <string_view>
#include <utility>

namespace cfmon::emulator {

template <typename Response>
Response canned_response(int status, std::string_view content_type, std::string body, std::string verdict) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", content_type);
  response.body = std::move(body);
  response.verdict = std::move(verdict);
  return response;
}

}  // namespace cfmon::emulator
