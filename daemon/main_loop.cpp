#include "daemon/main_loop.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "daemon/log.h"
#include "daemon/monotonic_clock.h"
#include "daemon/notifier.h"
#include "daemon/service.h"
#include "daemon/signal_events.h"
#include "daemon/status_report.h"
#include "model/blas_runtime.h"

namespace earshot::daemon {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
// Without a systemd watchdog, a session silent this long is still reported in STATUS=.
constexpr int64_t kDefaultProgressLimitNs = 30'000'000'000;

int64_t seconds_to_ns(double s) { return static_cast<int64_t>(s * 1e9); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

class MainLoop {
 public:
  MainLoop(const ConfigRequest& request, SignalEvents& signals) : request_(request), signals_(signals) {}

  int run() {
    log_info("earshotd " EARSHOT_VERSION " (" + model::describe(model::blas_info()) + ")");
    DaemonConfig config;
    try {
      config = load_config(request_);
    } catch (const std::exception& e) {
      return fail(std::string("bad configuration: ") + e.what(), kExitConfig);
    }
    log_info("configuration: " + (config.file.empty() ? std::string("no file, defaults") : config.file.string()) +
             (request_.overrides.empty() ? "" : " and " + std::to_string(request_.overrides.size()) +
                                                   " --set overrides"));
    service_ = std::make_unique<Service>(std::move(config));
    try {
      service_->start([this](std::string_view step) { notify_.status(std::string(step)); });
    } catch (const std::exception& e) {
      service_->stop();
      return fail(e.what(), kExitFailure);
    }
    const auto watchdog = notify_.watchdog_interval();
    watchdog_period_ns_ = watchdog ? watchdog->count() * 1000 / 2 : 0;
    progress_limit_ns_ = watchdog ? watchdog->count() * 1000 : kDefaultProgressLimitNs;

    log_notice("ready: bus " + join(service_->bus_endpoints()) + ", control " + service_->control_endpoint());
    notify_.ready_with_status(refresh_status());
    if (watchdog_period_ns_ > 0) ping_watchdog();
    wait_for_events();

    notify_.stopping();
    notify_.status("stopping: finishing the open segments");
    log_notice("stopping: finishing the open segments");
    service_->stop();
    log_notice("stopped");
    return 0;
  }

 private:
  int fail(const std::string& message, int exit_code) {
    log_error(message);
    notify_.failed(message, 0);
    return exit_code;
  }

  void wait_for_events() {
    int64_t next_status = monotonic_ns() + status_period_ns();
    int64_t next_watchdog = monotonic_ns() + watchdog_period_ns_;
    while (true) {
      const int64_t now = monotonic_ns();
      int64_t next = next_status;
      if (watchdog_period_ns_ > 0) next = std::min(next, next_watchdog);
      pollfd fd{signals_.fd(), POLLIN, 0};
      const int timeout_ms = static_cast<int>(std::max<int64_t>(0, (next - now + kNsPerMs - 1) / kNsPerMs));
      if (poll(&fd, 1, timeout_ms) < 0 && errno != EINTR) {
        log_error("poll on the signal descriptor failed; stopping");
        return;
      }
      while (const auto signal = signals_.take()) {
        if (*signal == SIGHUP) {
          reload();
          next_status = monotonic_ns() + status_period_ns();
        } else {
          log_notice(std::string("received ") + (*signal == SIGINT ? "SIGINT" : "SIGTERM"));
          return;
        }
      }
      if (watchdog_period_ns_ > 0 && monotonic_ns() >= next_watchdog) {
        ping_watchdog();
        next_watchdog = monotonic_ns() + watchdog_period_ns_;
      }
      if (monotonic_ns() >= next_status) {
        notify_.status(refresh_status());
        next_status = monotonic_ns() + status_period_ns();
      }
    }
  }

  int64_t status_period_ns() const { return seconds_to_ns(service_->config().service.status_interval_s); }

  // WATCHDOG=1 only while every running session shows progress.
  void ping_watchdog() {
    const ProgressVerdict verdict = service_->check_progress(progress_limit_ns_);
    if (verdict.healthy) {
      notify_.watchdog();
      return;
    }
    log_error("no progress from source " + join(verdict.stalled) + " for " +
              std::to_string(static_cast<int>(verdict.worst_age_s)) + " s; watchdog pings withheld");
  }

  // Snapshot for STATUS= and the bus's status event.
  std::string refresh_status() {
    const ipc::DaemonStatus status = service_->snapshot();
    service_->publish_status(status);
    std::string line = status_line(status);
    const ProgressVerdict verdict = service_->check_progress(progress_limit_ns_);
    if (!verdict.healthy) line += "; stalled: " + join(verdict.stalled);
    return line;
  }

  void reload() {
    log_notice("SIGHUP: reloading the configuration");
    notify_.reloading();
    try {
      DaemonConfig next = load_config(request_);
      service_->reload(std::move(next), [this](std::string_view step) { notify_.status(std::string(step)); });
      log_notice("reloaded");
      notify_.ready_with_status(refresh_status());
    } catch (const std::exception& e) {
      log_error(std::string("reload failed, going on as before: ") + e.what());
      notify_.ready_with_status(std::string("reload failed: ") + e.what());
    }
  }

  const ConfigRequest& request_;
  SignalEvents& signals_;
  Notifier notify_;
  std::unique_ptr<Service> service_;
  int64_t watchdog_period_ns_ = 0;
  int64_t progress_limit_ns_ = kDefaultProgressLimitNs;
};

}  // namespace

int run_daemon(const ConfigRequest& request, SignalEvents& signals) {
  try {
    return MainLoop(request, signals).run();
  } catch (const std::exception& e) {
    log_error(e.what());
    Notifier().failed(e.what(), 0);
    return kExitFailure;
  }
}

}  // namespace earshot::daemon
