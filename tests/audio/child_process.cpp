#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace earshot::audio::testing {

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  pid_t pid = -1;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(err));
  return pid;
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void terminate(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  if (wait_exit(pid, std::chrono::seconds(5)) == -1) {
    kill(pid, SIGKILL);
    wait_exit(pid, std::chrono::seconds(5));
  }
}

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  char log_template[] = "/tmp/earshot-run-XXXXXX";
  const int fd = mkstemp(log_template);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  RunResult result;
  const pid_t pid = spawn(argv, log_template);
  result.exit_code = wait_exit(pid, timeout);
  if (result.exit_code == -1) terminate(pid);
  std::ifstream in(log_template);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  unlink(log_template);
  return result;
}

}  // namespace earshot::audio::testing
