#include "daemon/progress_check.h"

#include <algorithm>

namespace earshot::daemon {

ProgressVerdict check_progress(std::span<const Heartbeat> beats, int64_t now_ns, int64_t limit_ns) {
  ProgressVerdict verdict;
  for (const Heartbeat& beat : beats) {
    if (!beat.last_ns) continue;
    const int64_t age_ns = std::max<int64_t>(0, now_ns - *beat.last_ns);
    verdict.worst_age_s = std::max(verdict.worst_age_s, static_cast<double>(age_ns) * 1e-9);
    if (age_ns > limit_ns) {
      verdict.healthy = false;
      verdict.stalled.push_back(beat.label);
    }
  }
  return verdict;
}

}  // namespace earshot::daemon
