#include "daemon/notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace earshot::daemon {
namespace {

// STATUS= is one line.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace

void Notifier::send(std::string_view message) {
  const std::string text(message);
  sd_notify(0, text.c_str());
}

void Notifier::ready() { send("READY=1"); }

void Notifier::status(std::string_view text) { send("STATUS=" + one_line(text)); }

void Notifier::ready_with_status(std::string_view text) { send("READY=1\nSTATUS=" + one_line(text)); }

void Notifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec =
      static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void Notifier::stopping() { send("STOPPING=1"); }

void Notifier::watchdog() { send("WATCHDOG=1"); }

void Notifier::failed(std::string_view text, int error_number) {
  std::string message = "STATUS=" + one_line(text);
  if (error_number > 0) message += "\nERRNO=" + std::to_string(error_number);
  send(message);
}

std::optional<std::chrono::microseconds> Notifier::watchdog_interval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace earshot::daemon
