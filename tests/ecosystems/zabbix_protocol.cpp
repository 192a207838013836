#include "zabbix_protocol.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <stdexcept>

namespace cfmon::testing {
namespace {

constexpr unsigned char kFlagCompressed = 0x02;
constexpr unsigned char kFlagLarge = 0x04;
constexpr std::uint64_t kMaxMessage = 64U << 20U;  // far above anything the tests exchange

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool read_exactly(int fd, char* into, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::recv(fd, into + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::uint64_t little_endian(const char* bytes, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = size; i > 0; --i) value = (value << 8U) | static_cast<unsigned char>(bytes[i - 1]);
  return value;
}

}  // namespace

int free_zabbix_port() {
  // Calls in one process go on where the last one stopped: two daemons of one test get two
  // ports even before the first binds its own.
  static int next_attempt = 0;
  for (int attempt = next_attempt++; attempt < next_attempt + 2000; ++attempt) {
    const int candidate = 20000 + (static_cast<int>(::getpid()) * 7 + attempt * 13) % 12000;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in addr = loopback(candidate);
    const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free) return candidate;
  }
  throw std::runtime_error("no free port in 20000-31999");
}

std::string zabbix_frame(const std::string& payload) {
  std::string frame = std::string("ZBXD\1", 5);
  const std::uint64_t length = payload.size();
  for (unsigned i = 0; i < 8; ++i) frame += static_cast<char>(i < 4 ? (length >> (8U * i)) & 0xffU : 0U);
  return frame + payload;
}

std::optional<std::string> read_zabbix_message(int fd) {
  char head[5];
  if (!read_exactly(fd, head, sizeof head) || std::string(head, 4) != "ZBXD") return std::nullopt;
  const auto flags = static_cast<unsigned char>(head[4]);
  const std::size_t width = (flags & kFlagLarge) != 0 ? 8 : 4;
  char lengths[16];
  if (!read_exactly(fd, lengths, 2 * width)) return std::nullopt;
  const std::uint64_t size = little_endian(lengths, width);
  const std::uint64_t reserved = little_endian(lengths + width, width);
  if (size > kMaxMessage || reserved > kMaxMessage) return std::nullopt;
  std::string data(size, '\0');
  if (!read_exactly(fd, data.data(), data.size())) return std::nullopt;
  if ((flags & kFlagCompressed) == 0) return data;
  std::string plain(reserved, '\0');
  uLongf plain_size = static_cast<uLongf>(plain.size());
  if (::uncompress(reinterpret_cast<Bytef*>(plain.data()), &plain_size, reinterpret_cast<const Bytef*>(data.data()),
                   static_cast<uLong>(data.size())) != Z_OK) {
    return std::nullopt;
  }
  plain.resize(plain_size);
  return plain;
}

int connect_loopback(int port, std::chrono::seconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const sockaddr_in addr = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string passive_get(int port, const std::string& key) {
  const int fd = connect_loopback(port, std::chrono::seconds(10));
  if (fd < 0) return "connect failed";
  const std::string request = zabbix_frame(key);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  const auto answer = read_zabbix_message(fd);
  ::close(fd);
  return answer ? *answer : "bad answer";
}

}  // namespace cfmon::testing
