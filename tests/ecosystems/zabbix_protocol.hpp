#pragma once
// The Zabbix 6.0 wire format, as the agent and proxy tests speak it: every message is
// "ZBXD", a flags byte (0x01 protocol, 0x02 zlib-compressed, 0x04 large), the data length
// and a reserved length (the uncompressed size when compressed), little-endian, 4 bytes
// each (8 with the large flag), then the data.
#include <chrono>
#include <optional>
#include <string>

namespace cfmon::testing {

// Zabbix takes ListenPort from 1024-32767, below the kernel's ephemeral range: probes that
// range for a port nothing holds (seeded by the PID so parallel tests spread out), a
// different one at each call.
int free_zabbix_port();

// `payload` framed as an uncompressed message.
std::string zabbix_frame(const std::string& payload);

// One message read from `fd`, inflated when compressed; nullopt when the peer closes,
// times out (SO_RCVTIMEO of `fd`) or sends something that is not a Zabbix message.
std::optional<std::string> read_zabbix_message(int fd);

// A TCP connection to 127.0.0.1:`port` whose reads give up after `timeout`; -1 when refused.
int connect_loopback(int port, std::chrono::seconds timeout);

// One passive check, as zabbix_get does it: the key framed, the agent's answer unframed
// (or a short text saying what failed).
std::string passive_get(int port, const std::string& key);

}  // namespace cfmon::testing
