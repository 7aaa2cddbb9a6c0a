// The service manager's notification protocol (sd_notify): READY=1 once the
// service works, STATUS= lines, WATCHDOG=1 pings, RELOADING=1 and STOPPING=1.
// Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
//
//   Notifier notify;
//   notify.status("loading model ...");
//   notify.ready();
//   if (auto interval = notify.watchdog_interval()) ...  // ping every interval/2
//   ... in the main loop: if (notify.has_pending()) notify.retry();
//
// Never blocks (notify_socket.h). When the manager does not read and its
// queue is full, STATUS= and WATCHDOG=1 are dropped (a later one replaces
// them; a late ping would vouch for a session that may have stalled since),
// while READY=1, RELOADING=1, STOPPING=1 and failures wait, in order, to be
// sent by retry() or flush(). Dropping is logged once when it starts and once
// when the manager reads again.
//
// Thread contract: the main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/notify_socket.h"

namespace earshot::daemon {

class Notifier {
 public:
  Notifier();  // $NOTIFY_SOCKET
  explicit Notifier(NotifySocket socket);

  void ready();
  void status(std::string_view text);
  void ready_with_status(std::string_view text);
  // RELOADING=1 with MONOTONIC_USEC= (now, CLOCK_MONOTONIC), as Type=notify-reload asks.
  void reloading();
  void stopping();
  void watchdog();
  // STATUS= and ERRNO= for a start-up failure, just before exiting (then flush()).
  void failed(std::string_view text, int error_number);

  // Messages that must not be lost still wait for the manager.
  bool has_pending() const { return !pending_.empty(); }
  // Sends what waits, as far as the manager takes it now.
  void retry();
  // Keeps retrying for up to `patience`; false (and logged) when something is
  // still unsent. For the last messages before exit.
  bool flush(std::chrono::milliseconds patience);
  uint64_t n_dropped() const { return n_dropped_; }

  // $WATCHDOG_USEC for this process, when the manager asked for pings.
  std::optional<std::chrono::microseconds> watchdog_interval() const;

 private:
  void send_required(std::string message);
  void send_droppable(std::string_view message);
  void dropped(std::string_view message, const char* why);
  void delivered();

  NotifySocket socket_;
  bool use_libsystemd_ = false;      // an address NotifySocket does not speak (vsock:)
  std::deque<std::string> pending_;  // required messages, oldest first
  uint64_t n_dropped_ = 0;
  uint64_t n_dropped_logged_ = 0;  // n_dropped_ when the current dropping spell was reported
  bool dropping_ = false;          // a spell of drops is under way
};

}  // namespace earshot::daemon
