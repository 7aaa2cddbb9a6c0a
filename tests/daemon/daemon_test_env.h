// What every test of the real earshotd sets up: a scratch folder holding a
// private runtime directory (the bus and control sockets), an empty config
// home, a NOTIFY_SOCKET listener and the daemon's log file.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon_process.h"
#include "notify_listener.h"
#include "scratch_dir.h"

namespace earshot::daemon::testing {

// The small random model the daemon tests share (made by make_test_model.py).
inline std::string test_model() { return std::string(EARSHOT_BINARY_DIR) + "/daemon-test/model.gguf"; }

// For SetUp(): ASSERT_TRUE(test_model_present()) fails with how to make the
// model when a test runs without its ctest fixture.
inline ::testing::AssertionResult test_model_present() {
  if (std::filesystem::exists(test_model())) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << test_model() << " is missing: it is made by the ctest fixture "
                                       << "daemon_test_model (/usr/bin/python3 tests/daemon/make_test_model.py "
                                       << test_model() << ")";
}

// How many times `what` occurs in `text` (a log, say).
inline size_t count_of(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Unix time now in seconds, the clock of the events' wall times.
inline double unix_now_s() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

class DaemonTestEnv {
 public:
  DaemonTestEnv() : DaemonTestEnv(std::string{}) {}
  // notify_address: "" for a socket file in the scratch folder, or "@name"
  // for one in the abstract namespace.
  explicit DaemonTestEnv(const std::string& notify_address)
      : notify_(notify_address.empty() ? dir_.file("notify") : notify_address) {
    std::filesystem::create_directories(runtime_dir());
    chmod(runtime_dir().c_str(), 0700);
  }

  ScratchDir& dir() { return dir_; }
  NotifyListener& notify() { return notify_; }
  std::string runtime_dir() const { return dir_.file("run"); }
  std::string bus_endpoint() const { return "ipc://" + runtime_dir() + "/earshot/bus"; }
  std::string control_endpoint() const { return "ipc://" + runtime_dir() + "/earshot/control"; }
  std::string log_path() const { return dir_.file("earshotd.log"); }

  // earshotd with `args`, under this environment plus `env`.
  std::unique_ptr<DaemonProcess> start(std::vector<std::string> args,
                                       const std::map<std::string, std::string>& env = {}) {
    DaemonProcess::Options options;
    options.args = std::move(args);
    options.env = {{"NOTIFY_SOCKET", notify_.path()},
                   {"XDG_RUNTIME_DIR", runtime_dir()},
                   {"XDG_CONFIG_HOME", dir_.file("config")},
                   {"HOME", dir_.path().string()},
                   {"PULSE_SERVER", "unix:" + dir_.file("no-pulse-here")}};
    for (const auto& [k, v] : env) options.env[k] = v;
    options.log_path = log_path();
    return std::make_unique<DaemonProcess>(std::move(options));
  }

  // Waits until the daemon's log holds `what` at least `n` times, reading the
  // notify socket meanwhile so that the daemon is never held up by it.
  bool wait_for_log(DaemonProcess& daemon, std::string_view what, std::chrono::milliseconds timeout,
                    size_t n = 1) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      notify_.drain();
      if (count_of(daemon.log(), what) >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // SIGHUP, then the READY=1 that ends the reload (its STATUS= says how it
  // went); a missing RELOADING=1 or READY=1 fails the test, and gives "".
  std::string reload(DaemonProcess& daemon, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    notify_.drain();
    daemon.signal(SIGHUP);
    EXPECT_TRUE(notify_.wait_for("RELOADING=1", timeout)) << daemon.log();
    const auto ready = notify_.wait_for("READY=1", timeout);
    EXPECT_TRUE(ready.has_value()) << "no READY=1 after the reload; log:\n" << daemon.log();
    return ready.value_or("");
  }

 private:
  ScratchDir dir_;
  NotifyListener notify_;
};

}  // namespace earshot::daemon::testing
