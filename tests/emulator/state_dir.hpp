#pragma once
// The state directory is how the emulator talks to the scripts and tests that start
// it: the CA to trust, the server's certificate and key, and (last, as the readiness
// signal) the port it listens on.
#include <sys/types.h>
#include <filesystem>
#include <string_view>

#include "tls_ca.hpp"

namespace cfmon::emulator {

// Writes via a temporary file in the same directory and rename(), so a reader sees
// either no file or the whole file, never a half-written one. Throws
// std::filesystem::filesystem_error or std::runtime_error.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents, mode_t mode);

// Creates the directory if needed, removes a stale "port" file (a waiter must never
// read the previous run's port) and writes ca.pem, server.pem and server.key (0600).
void prepare_state_dir(const std::filesystem::path& dir, const TlsMaterial& tls);

// Announces readiness: "<port>\n" into DIR/port, atomically.
void publish_port(const std::filesystem::path& dir, int port);

// Removes DIR/port at shutdown, so nobody connects to a port that is gone.
void retract_port(const std::filesystem::path& dir) noexcept;

}  // namespace cfmon::emulator
