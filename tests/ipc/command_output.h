// Runs a shell command for the tests of the `earshot` tool and keeps what it
// printed (stdout and stderr together) and its exit status.
// Used by one test thread at a time.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace earshot::ipc::testing {

struct CommandOutput {
  std::string output;  // stdout and stderr
  int exit_status = -1;
};

inline CommandOutput run_shell(const std::string& command) {
  CommandOutput result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace earshot::ipc::testing
