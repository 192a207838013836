#pragma once
// Random identifiers from OpenSSL's CSPRNG (thread-safe): secrets must not be guessable
// even in an emulator, because users point real tools at it.
#include <cstddef>
#include <string>

namespace cfmon::emulator {

// `bytes` random bytes as 2*bytes lowercase hex characters. Throws std::runtime_error
// if the CSPRNG fails.
std::string random_hex(std::size_t bytes);

// A random RFC 4122 version-4 UUID, lowercase: "3f1e...-....-4...-[89ab]...-...".
std::string random_uuid();

// Cloudflare's formats: client_id "<32 hex>.access", client_secret "<64 hex>",
// ray id "<16 hex>".
std::string random_client_id();
std::string random_client_secret();
std::string random_ray_id();

}  // namespace cfmon::emulator
