#include "daemon/notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "daemon/log.h"

namespace earshot::daemon {
namespace {

constexpr auto kFlushPause = std::chrono::milliseconds(10);

// STATUS= is one line.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

// The first line, for log messages.
std::string_view first_line(std::string_view message) {
  return message.substr(0, message.find('\n'));
}

}  // namespace

Notifier::Notifier() {
  try {
    socket_ = NotifySocket::from_environment();
  } catch (const std::invalid_argument& e) {
    log_warning(std::string(e.what()) + "; using libsystemd's sd_notify, which may block");
    use_libsystemd_ = true;
  }
}

Notifier::Notifier(NotifySocket socket) : socket_(std::move(socket)) {}

void Notifier::send_required(std::string message) {
  pending_.push_back(std::move(message));
  retry();
}

void Notifier::send_droppable(std::string_view message) {
  retry();
  // Behind a waiting READY=1 or STOPPING=1 a status would arrive out of order.
  if (!pending_.empty()) return dropped(message, "queue full");
  if (use_libsystemd_) {
    sd_notify(0, std::string(message).c_str());
    return;
  }
  switch (socket_.send(message)) {
    case NotifySocket::Result::kSent:
      return delivered();
    case NotifySocket::Result::kQueueFull:
      return dropped(message, "queue full");
    case NotifySocket::Result::kFailed:
      return dropped(message, std::strerror(socket_.error()));
    case NotifySocket::Result::kOff:
      return;
  }
}

void Notifier::retry() {
  while (!pending_.empty()) {
    const std::string& message = pending_.front();
    if (use_libsystemd_) {
      sd_notify(0, message.c_str());
      pending_.pop_front();
      continue;
    }
    switch (socket_.send(message)) {
      case NotifySocket::Result::kSent:
        delivered();
        break;
      case NotifySocket::Result::kQueueFull:
        return;  // the manager reads again later; keep it
      case NotifySocket::Result::kFailed:
        // No listener: waiting will not bring one.
        log_error("cannot notify the service manager at " + socket_.address() + ": " +
                  std::strerror(socket_.error()) + "; '" + std::string(first_line(message)) +
                  "' is lost");
        break;
      case NotifySocket::Result::kOff:
        break;
    }
    pending_.pop_front();
  }
}

bool Notifier::flush(std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  retry();
  while (!pending_.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kFlushPause);
    retry();
  }
  if (pending_.empty()) return true;
  log_error("the service manager did not read its notify socket for " +
            std::to_string(patience.count()) + " ms; unsent: '" +
            std::string(first_line(pending_.front())) + "'" +
            (pending_.size() > 1 ? " and " + std::to_string(pending_.size() - 1) + " more" : ""));
  return false;
}

void Notifier::dropped(std::string_view message, const char* why) {
  ++n_dropped_;
  if (dropping_) return;
  dropping_ = true;
  n_dropped_logged_ = n_dropped_ - 1;
  log_warning("the service manager's notify socket " + socket_.address() + " takes nothing (" +
              why + "); dropping STATUS= and WATCHDOG=1 until it does, from '" +
              std::string(first_line(message)) + "' on");
}

void Notifier::delivered() {
  if (!dropping_) return;
  dropping_ = false;
  log_notice("the notify socket takes messages again; " +
             std::to_string(n_dropped_ - n_dropped_logged_) +
             " STATUS=/WATCHDOG=1 messages were dropped");
}

void Notifier::ready() {
  send_required("READY=1");
}

void Notifier::status(std::string_view text) {
  send_droppable("STATUS=" + one_line(text));
}

void Notifier::ready_with_status(std::string_view text) {
  send_required("READY=1\nSTATUS=" + one_line(text));
}

void Notifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
                                  static_cast<unsigned long long>(ts.tv_nsec) / 1000;
  send_required("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void Notifier::stopping() {
  send_required("STOPPING=1");
}

void Notifier::watchdog() {
  send_droppable("WATCHDOG=1");
}

void Notifier::failed(std::string_view text, int error_number) {
  std::string message = "STATUS=" + one_line(text);
  if (error_number > 0) message += "\nERRNO=" + std::to_string(error_number);
  send_required(std::move(message));
}

std::optional<std::chrono::microseconds> Notifier::watchdog_interval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace earshot::daemon
