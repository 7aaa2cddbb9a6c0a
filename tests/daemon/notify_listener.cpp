#include "notify_listener.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace earshot::daemon::testing {

NotifyListener::NotifyListener(const std::string& address) : path_(address) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address.empty() || address.size() >= sizeof addr.sun_path) {
    throw std::runtime_error("notify socket address empty or too long: " + address);
  }
  std::memcpy(addr.sun_path, address.data(), address.size());
  const bool abstract = address[0] == '@';
  socklen_t size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  if (abstract) {
    addr.sun_path[0] = '\0';  // the name's length counts; no terminating NUL
  } else {
    size += 1;
    unlink(address.c_str());
  }
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) != 0) {
    const int error = errno;
    close(fd_);
    throw std::runtime_error("bind " + address + ": " + std::strerror(error));
  }
}

NotifyListener::~NotifyListener() {
  if (fd_ >= 0) close(fd_);
  if (!path_.starts_with('@')) unlink(path_.c_str());
}

std::optional<std::string> NotifyListener::receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buf[8192];
  const ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

void NotifyListener::drain() {
  while (receive(std::chrono::milliseconds(0))) {
  }
}

std::optional<std::string> NotifyListener::wait_for(const std::string& line,
                                                    std::chrono::milliseconds timeout,
                                                    std::vector<std::string>* before) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto datagram = receive(left);
    if (!datagram) return std::nullopt;
    if (has_line(*datagram, line)) return datagram;
    if (before) before->push_back(*datagram);
  }
}

std::vector<std::string> notify_lines(const std::string& datagram) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= datagram.size()) {
    const size_t end = datagram.find('\n', start);
    const std::string line =
        datagram.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

bool has_line(const std::string& datagram, const std::string& line) {
  for (const auto& l : notify_lines(datagram)) {
    if (line.ends_with('=') ? l.starts_with(line) : l == line) return true;
  }
  return false;
}

std::string value_of(const std::string& datagram, const std::string& key) {
  for (const auto& l : notify_lines(datagram)) {
    if (l.starts_with(key)) return l.substr(key.size());
  }
  return {};
}

}  // namespace earshot::daemon::testing
