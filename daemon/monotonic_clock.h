// CLOCK_MONOTONIC in nanoseconds: the clock of heartbeats, the watchdog and
// the status windows. Any thread.
#pragma once

#include <time.h>

#include <cstdint>

namespace earshot::daemon {

inline int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace earshot::daemon
