#include "daemon/main_loop.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <limits>
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
// How often READY=1 or STOPPING=1 is offered again while the manager's queue is full.
constexpr int64_t kNotifyRetryNs = 50 * kNsPerMs;
// How often the log is told of CURVE clients the sockets turned away.
constexpr int64_t kRefusalCheckNs = 5000 * kNsPerMs;
// How long the last notifications (STOPPING=1, a failure) may wait for the manager at exit.
constexpr auto kLastWordsPatience = std::chrono::milliseconds(3000);

int64_t seconds_to_ns(double s) {
  return static_cast<int64_t>(s * 1e9);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A duty of the main loop done every period_ns; a period of 0 is off.
class Periodic {
 public:
  void start(int64_t period_ns, int64_t now_ns) {
    period_ns_ = period_ns;
    next_ns_ = now_ns + period_ns;
  }
  int64_t next_ns() const {
    return period_ns_ > 0 ? next_ns_ : std::numeric_limits<int64_t>::max();
  }
  // True once per period; the next period starts now, so a late loop does not burst.
  bool due(int64_t now_ns) {
    if (period_ns_ <= 0 || now_ns < next_ns_) return false;
    next_ns_ = now_ns + period_ns_;
    return true;
  }

 private:
  int64_t period_ns_ = 0;
  int64_t next_ns_ = 0;
};

class MainLoop {
 public:
  MainLoop(const ConfigRequest& request, SignalEvents& signals)
      : request_(request), signals_(signals) {}

  int run() {
    log_info("earshotd " EARSHOT_VERSION " (" + model::describe(model::blas_info()) + ")");
    DaemonConfig config;
    try {
      config = load_config(request_);
    } catch (const std::exception& e) {
      return fail(std::string("bad configuration: ") + e.what(), kExitConfig);
    }
    log_info("configuration: " +
             (config.file.empty() ? std::string("no file, defaults") : config.file.string()) +
             (request_.overrides.empty()
                  ? ""
                  : " and " + std::to_string(request_.overrides.size()) + " --set overrides"));
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

    log_notice("ready: bus " + join(service_->bus_endpoints()) + ", control " +
               service_->control_endpoint());
    notify_.ready_with_status(status_line_now());
    publish_status_event();
    if (watchdog_period_ns_ > 0) ping_watchdog();
    wait_for_events();

    notify_.stopping();
    notify_.status("stopping: finishing the open segments");
    log_notice("stopping: finishing the open segments");
    service_->stop();
    notify_.flush(kLastWordsPatience);
    log_notice("stopped");
    return 0;
  }

 private:
  int fail(const std::string& message, int exit_code) {
    log_error(message);
    notify_.failed(message, 0);
    notify_.flush(kLastWordsPatience);
    return exit_code;
  }

  void wait_for_events() {
    start_timers();
    while (true) {
      int64_t next =
          std::min({status_line_.next_ns(), status_event_.next_ns(), watchdog_.next_ns(), refusal_check_.next_ns()});
      if (notify_.has_pending()) next = std::min(next, monotonic_ns() + kNotifyRetryNs);
      pollfd fd{signals_.fd(), POLLIN, 0};
      const int64_t wait_ns = std::max<int64_t>(0, next - monotonic_ns());
      const int timeout_ms =
          static_cast<int>(std::min<int64_t>((wait_ns + kNsPerMs - 1) / kNsPerMs, 60'000));
      if (poll(&fd, 1, timeout_ms) < 0 && errno != EINTR) {
        log_error("poll on the signal descriptor failed; stopping");
        return;
      }
      while (const auto signal = signals_.take()) {
        if (*signal == SIGHUP) {
          reload();
          start_timers();
        } else {
          log_notice(std::string("received ") + (*signal == SIGINT ? "SIGINT" : "SIGTERM"));
          return;
        }
      }
      if (notify_.has_pending()) notify_.retry();
      const int64_t now = monotonic_ns();
      if (watchdog_.due(now)) ping_watchdog();
      if (status_event_.due(now)) publish_status_event();
      if (status_line_.due(now)) notify_.status(status_line_now());
      if (refusal_check_.due(now)) log_refusals();
    }
  }

  // The periods come from the configuration, which a reload may change.
  void start_timers() {
    const ServiceSettings& settings = service_->config().service;
    const int64_t now = monotonic_ns();
    status_line_.start(seconds_to_ns(settings.status_interval_s), now);
    status_event_.start(seconds_to_ns(settings.status_event_interval_s), now);
    watchdog_.start(watchdog_period_ns_, now);
    refusal_check_.start(kRefusalCheckNs, now);
  }

  // ZeroMQ turns unlisted CURVE clients away silently: the log names them.
  void log_refusals() {
    for (const std::string& line : refusals_.news(service_->client_refusals(), monotonic_ns())) log_warning(line);
  }

  // WATCHDOG=1 only while every running session shows progress.
  void ping_watchdog() {
    const ProgressVerdict verdict = service_->check_progress(progress_limit_ns_);
    if (verdict.healthy) {
      notify_.watchdog();
      return;
    }
    log_error("no progress from source " + join(verdict.stalled) + " for " +
              std::to_string(static_cast<int>(verdict.worst_age_s)) +
              " s; watchdog pings withheld");
  }

  // STATUS=: the sources, lag, RTF, drops and subscribers, and any stalled session.
  std::string status_line_now() {
    std::string line = status_line(service_->snapshot());
    const ProgressVerdict verdict = service_->check_progress(progress_limit_ns_);
    if (!verdict.healthy) line += "; stalled: " + join(verdict.stalled);
    const std::vector<std::string> unbound = service_->unbound_parts();
    if (!unbound.empty()) line += "; unbound: " + join(unbound);
    return line;
  }

  // The bus's status/daemon event, unless status_event_interval_s is 0.
  void publish_status_event() {
    if (service_->config().service.status_event_interval_s <= 0) return;
    service_->publish_status(service_->snapshot());
  }

  void reload() {
    log_notice("SIGHUP: reloading the configuration");
    notify_.reloading();
    try {
      DaemonConfig next = load_config(request_);
      service_->reload(std::move(next),
                       [this](std::string_view step) { notify_.status(std::string(step)); });
      log_notice("reloaded");
      notify_.ready_with_status(status_line_now());
      publish_status_event();
    } catch (const std::exception& e) {
      log_error(std::string("reload failed, going on as before: ") + e.what());
      notify_.ready_with_status(std::string("reload failed: ") + e.what());
    }
  }

  const ConfigRequest& request_;
  SignalEvents& signals_;
  Notifier notify_;
  std::unique_ptr<Service> service_;
  Periodic status_line_;   // STATUS=
  Periodic status_event_;  // the bus's status/daemon event
  Periodic watchdog_;      // WATCHDOG=1
  Periodic refusal_check_;  // CURVE clients turned away, to the log
  RefusalReporter refusals_;
  int64_t watchdog_period_ns_ = 0;
  int64_t progress_limit_ns_ = kDefaultProgressLimitNs;
};

}  // namespace

int run_daemon(const ConfigRequest& request, SignalEvents& signals) {
  try {
    return MainLoop(request, signals).run();
  } catch (const std::exception& e) {
    log_error(e.what());
    Notifier last_words;
    last_words.failed(e.what(), 0);
    last_words.flush(kLastWordsPatience);
    return kExitFailure;
  }
}

}  // namespace earshot::daemon
