// Runs a shell command for the tests of the `earshot` tool and keeps what it
// printed (stdout and stderr together, or stdout alone) and its exit status.
// Used by one test thread at a time.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace earshot::ipc::testing {

struct CommandOutput {
  std::string output;  // stdout and stderr, or stdout alone
  int exit_status = -1;
};

enum class Stderr { kMerged, kDropped };

inline CommandOutput run_shell(const std::string& command, Stderr stderr_goes = Stderr::kMerged) {
  CommandOutput result;
  const char* redirect = stderr_goes == Stderr::kMerged ? " 2>&1" : " 2>/dev/null";
  std::FILE* pipe = ::popen((command + redirect).c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The lines of a command's output, without their line ends.
inline std::vector<std::string> lines_of(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream text(output);
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  return lines;
}

}  // namespace earshot::ipc::testing
