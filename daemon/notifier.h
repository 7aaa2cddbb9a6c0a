// The service manager's notification protocol (sd_notify): READY=1 once the
// service works, STATUS= lines, WATCHDOG=1 pings, RELOADING=1 and STOPPING=1.
// Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
//
//   Notifier notify;
//   notify.status("loading model ...");
//   notify.ready();
//   if (auto interval = notify.watchdog_interval()) ...  // ping every interval/2
//
// Thread contract: the main thread (sd_notify itself is safe from any thread,
// but the protocol's order is the main thread's to keep).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace earshot::daemon {

class Notifier {
 public:
  Notifier() = default;

  void ready();
  void status(std::string_view text);
  void ready_with_status(std::string_view text);
  // RELOADING=1 with MONOTONIC_USEC= (now, CLOCK_MONOTONIC), as Type=notify-reload asks.
  void reloading();
  void stopping();
  void watchdog();
  // STATUS= and ERRNO= for a start-up failure, just before exiting.
  void failed(std::string_view text, int error_number);

  // $WATCHDOG_USEC for this process, when the manager asked for pings.
  std::optional<std::chrono::microseconds> watchdog_interval() const;

 private:
  void send(std::string_view message);
};

}  // namespace earshot::daemon
