#include "ipc/curve_keys.h"

#include <fcntl.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace earshot::ipc {
namespace {

bool is_z85_char(char c) {
  static constexpr std::string_view kZ85Alphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return kZ85Alphabet.find(c) != std::string_view::npos;
}

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

void write_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  const ssize_t n_written = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  ::close(fd);
  if (n_written != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(write_errno));
  }
}

}  // namespace

bool curve_available() { return zmq_has("curve") != 0; }

CurveKeyPair generate_curve_keypair() {
  char public_key[kZ85KeyLength + 1] = {};
  char secret_key[kZ85KeyLength + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    throw std::runtime_error(std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()) +
                             " (is libzmq built with CURVE?)");
  }
  return CurveKeyPair{public_key, secret_key};
}

bool is_z85_key(std::string_view key) {
  if (key.size() != kZ85KeyLength) return false;
  for (char c : key) {
    if (!is_z85_char(c)) return false;
  }
  return true;
}

std::string curve_public_key_of(std::string_view secret_key) {
  if (!is_z85_key(secret_key)) {
    throw std::invalid_argument("a CURVE secret key is 40 characters of Z85 text");
  }
  const std::string secret(secret_key);
  char public_key[kZ85KeyLength + 1] = {};
  if (zmq_curve_public(public_key, secret.c_str()) != 0) {
    throw std::runtime_error(std::string("cannot derive the CURVE public key: ") +
                             zmq_strerror(zmq_errno()));
  }
  return public_key;
}

std::string load_curve_key(const std::string& key_or_path) {
  if (is_z85_key(key_or_path)) return key_or_path;
  std::ifstream file(key_or_path);
  if (!file) {
    throw std::runtime_error("cannot read CURVE key file '" + key_or_path + "': " + std::strerror(errno));
  }
  std::stringstream text;
  text << file.rdbuf();
  const std::string key = trim(text.str());
  if (!is_z85_key(key)) {
    throw std::runtime_error("CURVE key file '" + key_or_path +
                             "' does not hold a key (expected 40 characters of Z85 text, as "
                             "written by `earshot keygen`)");
  }
  return key;
}

void write_curve_key_files(const std::filesystem::path& prefix, const CurveKeyPair& keys) {
  std::filesystem::path secret_path = prefix;
  secret_path += ".key";
  std::filesystem::path public_path = prefix;
  public_path += ".pub";
  if (std::filesystem::exists(public_path)) {
    throw std::runtime_error("refusing to overwrite " + public_path.string());
  }
  write_new_file(secret_path, keys.secret_key + "\n", 0600);
  write_new_file(public_path, keys.public_key + "\n", 0644);
}

}  // namespace earshot::ipc
