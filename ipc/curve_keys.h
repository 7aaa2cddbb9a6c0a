// CURVE keys for the bus and control sockets (ZeroMQ's CurveZMQ: Curve25519 keys
// written as 40-character Z85 text). The daemon holds the server secret key; a
// client needs the server public key and makes a key pair of its own per socket.
// Plain functions: any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace earshot::ipc {

inline constexpr size_t kZ85KeyLength = 40;

struct CurveKeyPair {
  std::string public_key{};  // Z85, 40 characters: give to clients
  std::string secret_key{};  // Z85, 40 characters: keep on the server only
};

// True when this libzmq was built with CURVE support.
bool curve_available();

// A fresh key pair (zmq_curve_keypair). Throws std::runtime_error when libzmq
// lacks CURVE.
CurveKeyPair generate_curve_keypair();

// The public key that belongs to a secret key. Throws std::invalid_argument for a
// key that is not 40 characters of Z85.
std::string curve_public_key_of(std::string_view secret_key);

bool is_z85_key(std::string_view key);

// Reads a key written by write_curve_key_files() or one that is given inline:
// `key_or_path` is taken as a key when it is 40 characters of Z85, otherwise as a
// file holding one. Throws std::runtime_error naming the file and the problem.
std::string load_curve_key(const std::string& key_or_path);

// Writes <prefix>.key (the secret key, mode 0600) and <prefix>.pub (the public
// key, mode 0644). Refuses to overwrite existing files; throws with the path.
void write_curve_key_files(const std::filesystem::path& prefix, const CurveKeyPair& keys);

}  // namespace earshot::ipc
