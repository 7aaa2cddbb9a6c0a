#include "daemon/endpoint_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace earshot::daemon {
namespace {

constexpr std::string_view kIpcPrefix = "ipc://";

std::string read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string EndpointLock::lock_path(const std::string& endpoint) {
  if (!endpoint.starts_with(kIpcPrefix) || endpoint.size() == kIpcPrefix.size()) return {};
  const std::string path = endpoint.substr(kIpcPrefix.size());
  if (path.starts_with("@")) return {};  // abstract socket: no file, the bind itself refuses a second one
  return path + ".lock";
}

EndpointLock::EndpointLock(const std::string& endpoint) {
  const std::string path = lock_path(endpoint);
  if (path.empty()) return;
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = read_pid(fd_);
    close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw std::runtime_error(endpoint + " is in use by another earshotd" +
                               (holder.empty() ? std::string() : " (pid " + holder + ")"));
    }
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(err));
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; the pid only makes the message nicer.
  }
}

EndpointLock::~EndpointLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace earshot::daemon
