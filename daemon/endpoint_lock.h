// Keeps two services off one Unix socket. ZeroMQ binds an ipc:// endpoint by
// removing whatever socket file is there, so a second earshotd would silently
// take the bus from the first; an exclusive lock on "<socket>.lock", held for
// as long as the endpoint is bound, makes the second one fail instead. TCP
// endpoints need no lock: binding a port in use fails by itself.
//
// Thread contract: the main thread makes and destroys it.
#pragma once

#include <string>

namespace earshot::daemon {

class EndpointLock {
 public:
  // Throws std::runtime_error naming the endpoint (and the holder's pid) when
  // another process holds it, or when the lock file cannot be made.
  explicit EndpointLock(const std::string& endpoint);
  ~EndpointLock();
  EndpointLock(const EndpointLock&) = delete;
  EndpointLock& operator=(const EndpointLock&) = delete;

  // "<socket path>.lock" for ipc:// endpoints, "" otherwise.
  static std::string lock_path(const std::string& endpoint);

 private:
  int fd_ = -1;
};

}  // namespace earshot::daemon
