// SIGTERM, SIGINT and SIGHUP as events of the main loop (a signalfd), not as
// asynchronous handlers. The constructor blocks those signals in the calling
// thread, so it must run in main() before any other thread starts: threads
// inherit the mask, and the signals then wait for the main loop. SIGPIPE is
// ignored (a vanished client must not kill the service).
//
// Thread contract: the main thread creates it and reads it.
#pragma once

#include <optional>

namespace earshot::daemon {

class SignalEvents {
 public:
  SignalEvents();  // throws std::system_error when the signalfd cannot be made
  ~SignalEvents();
  SignalEvents(const SignalEvents&) = delete;
  SignalEvents& operator=(const SignalEvents&) = delete;

  // Readable (POLLIN) when a signal waits.
  int fd() const { return fd_; }
  // The next waiting signal number, or nullopt when none waits.
  std::optional<int> take();

 private:
  int fd_ = -1;
};

}  // namespace earshot::daemon
