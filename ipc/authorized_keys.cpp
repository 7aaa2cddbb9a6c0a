#include "ipc/authorized_keys.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "ipc/curve_keys.h"

namespace earshot::ipc {
namespace {

constexpr std::string_view kPublicPrefix = "public-key:";
constexpr std::string_view kSecretPrefix = "secret-key:";

std::string_view trimmed(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

// Why `text` is not a key, said without quoting it: a malformed line may be a secret.
std::string key_problem(std::string_view text) {
  if (text.size() != kZ85KeyLength) {
    return "expected a CURVE public key (40 characters of Z85 text, as `earshot keygen` writes), got " +
           std::to_string(text.size()) + " characters";
  }
  return "the key holds characters that are not Z85 text";
}

void load_file(const std::filesystem::path& path, std::set<std::string>& keys) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::string line;
  for (size_t line_number = 1; std::getline(file, line); ++line_number) {
    std::string_view text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    const std::string where = path.string() + ":" + std::to_string(line_number) + ": ";
    if (text.starts_with(kSecretPrefix)) {
      throw std::runtime_error(where + "this is a secret key; list only the clients' public keys");
    }
    if (text.starts_with(kPublicPrefix)) text = trimmed(text.substr(kPublicPrefix.size()));
    if (!is_z85_key(text)) throw std::runtime_error(where + key_problem(text));
    keys.emplace(text);
  }
  if (file.bad()) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
}

std::vector<std::filesystem::path> public_key_files_in(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".pub" && entry.is_regular_file()) files.push_back(entry.path());
  }
  if (error) throw std::runtime_error("cannot list " + directory.string() + ": " + error.message());
  std::sort(files.begin(), files.end());  // the first malformed file is always the same one
  return files;
}

}  // namespace

std::set<std::string> load_authorized_keys(const std::filesystem::path& file_or_directory) {
  std::set<std::string> keys;
  if (std::filesystem::is_directory(file_or_directory)) {
    for (const std::filesystem::path& file : public_key_files_in(file_or_directory)) load_file(file, keys);
  } else {
    load_file(file_or_directory, keys);
  }
  if (keys.empty()) {
    throw std::runtime_error("authorized client keys: " + file_or_directory.string() +
                             " holds no public key (a directory is read for *.pub files), so no client could "
                             "connect");
  }
  return keys;
}

}  // namespace earshot::ipc
