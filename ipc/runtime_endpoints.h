// The default endpoints: Unix sockets in $XDG_RUNTIME_DIR/earshot/, a directory
// that only its owner may enter (mode 0700), so that only the user's own programs
// reach the bus and the control socket. Plain functions: any thread.
#pragma once

#include <filesystem>
#include <string>

namespace earshot::ipc {

struct BusEndpoints {
  std::string bus{};      // ipc://$XDG_RUNTIME_DIR/earshot/bus      (PUB)
  std::string control{};  // ipc://$XDG_RUNTIME_DIR/earshot/control  (REP)
};

// Creates <runtime_dir>/earshot with mode 0700 when it is missing and returns its
// path. Throws std::runtime_error naming the path when runtime_dir is empty or not
// a directory, or when the earshot directory is a symlink, not a directory, not
// owned by this user, or open to group or others.
std::filesystem::path prepare_bus_directory(const std::filesystem::path& runtime_dir);

// The endpoints under prepare_bus_directory(runtime_dir). Throws when a socket
// path would be too long for a Unix socket.
BusEndpoints default_bus_endpoints(const std::filesystem::path& runtime_dir);

// default_bus_endpoints($XDG_RUNTIME_DIR); throws when it is unset or empty.
BusEndpoints default_bus_endpoints_from_environment();

}  // namespace earshot::ipc
