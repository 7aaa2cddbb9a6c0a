// The sending end of sd_notify's datagram socket, never blocking: our own
// AF_UNIX SOCK_DGRAM socket, every message sent with MSG_DONTWAIT to the
// address in $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace).
// libsystemd's sd_notify() blocks while the manager's queue is full, which
// would stall the main loop; here a full queue is reported and the caller
// decides what to drop and what to retry (notifier.h).
//
//   NotifySocket socket = NotifySocket::from_environment();
//   if (socket.send("WATCHDOG=1") == NotifySocket::Result::kQueueFull) ...
//
// Thread contract: thread-compatible (the main thread owns it).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

namespace earshot::daemon {

class NotifySocket {
 public:
  enum class Result {
    kSent,
    kQueueFull,  // the manager is not reading; worth trying again later
    kFailed,     // no listener, or an address we cannot use; see error()
    kOff,        // no $NOTIFY_SOCKET: not started by a service manager
  };

  // $NOTIFY_SOCKET as it is now; off when unset or empty.
  static NotifySocket from_environment();
  // Throws std::invalid_argument for an address that is neither a path nor
  // "@name" (e.g. "vsock:..."), or too long for sockaddr_un.
  explicit NotifySocket(std::string_view address);
  NotifySocket() = default;  // off
  ~NotifySocket();
  NotifySocket(NotifySocket&& other) noexcept;
  NotifySocket& operator=(NotifySocket&& other) noexcept;
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool is_on() const { return fd_ >= 0; }
  Result send(std::string_view message);
  // errno of the last kFailed send, or of making the socket.
  int error() const { return error_; }
  const std::string& address() const { return address_text_; }

 private:
  int fd_ = -1;
  int error_ = 0;
  sockaddr_un address_{};
  socklen_t address_size_ = 0;
  std::string address_text_{};
};

}  // namespace earshot::daemon
