// The real earshotd, started by a test as a child process with the
// environment the test chooses (NOTIFY_SOCKET, WATCHDOG_USEC,
// XDG_RUNTIME_DIR, PULSE_SERVER, ...) and its stderr in a log file.
//
// Thread contract: one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace earshot::daemon::testing {

// The earshotd of this build.
std::string earshotd_path();

class DaemonProcess {
 public:
  struct Options {
    std::vector<std::string> args{};                  // after argv[0]
    std::map<std::string, std::string> env{};         // set in the child (on top of ours)
    std::vector<std::string> unset{};                 // removed from the child's environment
    std::string log_path{};                           // stdout and stderr go here
  };

  explicit DaemonProcess(Options options);
  // Sends SIGKILL if it still runs, and reaps it.
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // Its exit status, or nullopt if it has not exited within timeout. A
  // death by signal reads as 128 + signal.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;

 private:
  Options options_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_{};
};

}  // namespace earshot::daemon::testing
