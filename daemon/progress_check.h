// Whether the sessions make progress, for the systemd watchdog: every session
// thread still running must have shown a sign of life (a heartbeat) within
// the limit. A session stuck in a decode stops beating, the check fails, the
// main loop stops its WATCHDOG=1 pings and systemd restarts the service.
// Sessions whose thread has ended (end of a file, a failed device) are not
// expected to beat.
//
// Thread contract: a pure function; the main thread calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace earshot::daemon {

struct Heartbeat {
  std::string label{};
  std::optional<int64_t> last_ns{};  // nullopt: the session thread has ended
};

struct ProgressVerdict {
  bool healthy = true;
  std::vector<std::string> stalled{};  // labels of the sessions past the limit
  double worst_age_s = 0;              // oldest heartbeat among those still running
};

ProgressVerdict check_progress(std::span<const Heartbeat> beats, int64_t now_ns, int64_t limit_ns);

}  // namespace earshot::daemon
