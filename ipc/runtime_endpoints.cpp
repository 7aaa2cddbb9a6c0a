#include "ipc/runtime_endpoints.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace earshot::ipc {
namespace {

constexpr mode_t kBusDirectoryMode = 0700;

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string ipc_endpoint(const std::filesystem::path& socket_path) {
  constexpr size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;
  if (socket_path.native().size() > kMaxSocketPath) {
    throw std::runtime_error("socket path " + socket_path.string() + " is longer than the " +
                             std::to_string(kMaxSocketPath) + " bytes a Unix socket allows");
  }
  return "ipc://" + socket_path.string();
}

}  // namespace

std::filesystem::path prepare_bus_directory(const std::filesystem::path& runtime_dir) {
  if (runtime_dir.empty()) throw std::runtime_error("the runtime directory is empty");
  struct stat runtime_info {};
  if (::stat(runtime_dir.c_str(), &runtime_info) != 0 || !S_ISDIR(runtime_info.st_mode)) {
    throw std::runtime_error("runtime directory " + runtime_dir.string() + " is not a directory");
  }
  const std::filesystem::path dir = runtime_dir / "earshot";
  if (::mkdir(dir.c_str(), kBusDirectoryMode) == 0) {
    // mkdir() applies the umask; a directory this call made gets exactly 0700.
    if (::chmod(dir.c_str(), kBusDirectoryMode) != 0) {
      throw std::runtime_error("cannot chmod 700 " + dir.string() + ": " + std::strerror(errno));
    }
  } else if (errno != EEXIST) {
    throw std::runtime_error("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) {
    throw std::runtime_error("cannot inspect " + dir.string() + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(info.st_mode)) {
    throw std::runtime_error(dir.string() + " is not a directory (a symlink or a file is refused)");
  }
  if (info.st_uid != ::geteuid()) {
    throw std::runtime_error(dir.string() + " belongs to uid " + std::to_string(info.st_uid) +
                             ", not to this user (uid " + std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & 0777) != kBusDirectoryMode) {
    throw std::runtime_error(dir.string() + " has mode " + octal(info.st_mode) +
                             "; it must be 0700 so that other users cannot reach the bus (chmod 700 " +
                             dir.string() + ")");
  }
  return dir;
}

BusEndpoints default_bus_endpoints(const std::filesystem::path& runtime_dir) {
  const std::filesystem::path dir = prepare_bus_directory(runtime_dir);
  return BusEndpoints{ipc_endpoint(dir / "bus"), ipc_endpoint(dir / "control")};
}

BusEndpoints default_bus_endpoints_from_environment() {
  const char* runtime_dir = std::getenv("XDG_RUNTIME_DIR");
  if (runtime_dir == nullptr || runtime_dir[0] == '\0') {
    throw std::runtime_error(
        "XDG_RUNTIME_DIR is not set, so there is no default bus endpoint: log in through "
        "systemd-logind (or export XDG_RUNTIME_DIR=/run/user/$(id -u)), or give --endpoint");
  }
  return default_bus_endpoints(runtime_dir);
}

}  // namespace earshot::ipc
