// Starting and reaping helper programs (pulseaudio, paplay, earshot) from tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace earshot::audio::testing {

// Starts argv[0] (looked up in PATH) with stdout and stderr appended to
// log_path ("" = inherit). Throws when it cannot be started.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path = {});

// Waits up to timeout for pid to exit; returns its exit status, or -1 on timeout
// (the child is then left running).
int wait_exit(pid_t pid, std::chrono::milliseconds timeout);

// Sends SIGTERM, waits up to 5 s, then SIGKILL.
void terminate(pid_t pid);

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs argv to completion, capturing its output.
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace earshot::audio::testing
