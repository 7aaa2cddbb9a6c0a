#include "daemon/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "daemon/monotonic_clock.h"
#include "daemon/rate_limiter.h"

namespace earshot::daemon {
namespace {

std::string_view priority_word(Priority priority) {
  switch (priority) {
    case Priority::kError: return "error";
    case Priority::kWarning: return "warning";
    case Priority::kNotice: return "notice";
    case Priority::kInfo: return "info";
    case Priority::kDebug: return "debug";
  }
  return "info";
}

struct LogState {
  std::mutex mutex;
  RateLimiter limiter;
  bool journal = stderr_is_journal();
};

LogState& state() {
  static LogState s;
  return s;
}

void write_line(bool journal, Priority priority, std::string_view text) {
  std::string line;
  if (journal) {
    line = "<" + std::to_string(static_cast<int>(priority)) + ">";
  } else {
    line = "earshotd: ";
    if (priority != Priority::kInfo) line += std::string(priority_word(priority)) + ": ";
  }
  for (const char c : text) line += c == '\n' ? ' ' : c;  // one message, one journal entry
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

void log(Priority priority, std::string_view text) {
  LogState& s = state();
  std::lock_guard lock(s.mutex);
  const RateDecision decision = s.limiter.check(RateLimiter::key_of(text), monotonic_ns());
  if (!decision.allow) return;
  if (decision.n_suppressed_before > 0) {
    write_line(s.journal, Priority::kNotice,
               std::to_string(decision.n_suppressed_before) + " similar messages suppressed before this one");
  }
  write_line(s.journal, priority, text);
}

}  // namespace earshot::daemon
