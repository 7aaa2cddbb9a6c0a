// The two clocks capture uses, as nanosecond counts. Both are vDSO reads: safe on
// the capture path (no lock, no allocation, no system call in practice).
#pragma once

#include <time.h>

#include <cstdint>

namespace earshot::audio {

inline int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Wall time (CLOCK_REALTIME): what block timestamps are given in.
inline int64_t wall_now_ns() {
  return clock_ns(CLOCK_REALTIME);
}

// Steady time (CLOCK_MONOTONIC): for intervals, timeouts and pacing.
inline int64_t steady_now_ns() {
  return clock_ns(CLOCK_MONOTONIC);
}

}  // namespace earshot::audio
