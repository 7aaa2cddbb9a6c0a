#include "daemon/notify_socket.h"

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace earshot::daemon {

NotifySocket NotifySocket::from_environment() {
  const char* address = std::getenv("NOTIFY_SOCKET");
  if (address == nullptr || *address == '\0') return NotifySocket();
  return NotifySocket(address);
}

NotifySocket::NotifySocket(std::string_view address) : address_text_(address) {
  if (address.empty() || (address[0] != '/' && address[0] != '@')) {
    throw std::invalid_argument("NOTIFY_SOCKET=" + address_text_ +
                                ": only a socket path or an abstract \"@name\" is supported");
  }
  if (address.size() >= sizeof address_.sun_path) {
    throw std::invalid_argument("NOTIFY_SOCKET=" + address_text_ +
                                ": longer than a Unix socket address");
  }
  address_.sun_family = AF_UNIX;
  std::memcpy(address_.sun_path, address.data(), address.size());
  // An abstract name starts with a NUL and has no terminating one: its length counts.
  if (address[0] == '@') address_.sun_path[0] = '\0';
  address_size_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                         (address[0] == '/' ? 1 : 0));
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) error_ = errno;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) close(fd_);
}

NotifySocket::NotifySocket(NotifySocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      error_(other.error_),
      address_(other.address_),
      address_size_(other.address_size_),
      address_text_(std::move(other.address_text_)) {}

NotifySocket& NotifySocket::operator=(NotifySocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    error_ = other.error_;
    address_ = other.address_;
    address_size_ = other.address_size_;
    address_text_ = std::move(other.address_text_);
  }
  return *this;
}

NotifySocket::Result NotifySocket::send(std::string_view message) {
  if (fd_ < 0) return address_text_.empty() ? Result::kOff : Result::kFailed;
  // Unconnected: each datagram names the address, so a manager that re-bound
  // its socket (daemon-reexec) is still reached.
  while (true) {
    const ssize_t n = sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&address_), address_size_);
    if (n >= 0) return Result::kSent;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return Result::kQueueFull;
    error_ = errno;
    return Result::kFailed;
  }
}

}  // namespace earshot::daemon
