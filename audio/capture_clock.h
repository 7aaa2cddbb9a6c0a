// Wall-clock times for a device's frames. Each device read gives a noisy
// estimate of when its first frame was captured (time of the read minus what
// was still buffered); the clock follows these estimates with a small gain, so
// block times come out smooth and monotonic, follow the device clock's drift
// against the system clock, and ignore a late wake-up of the capture thread.
// An estimate far later than predicted (a stall, a lost stretch) re-anchors
// it; earlier estimates (e.g. a monitor whose sink rewound and rendered again)
// are followed slowly, so times never go backwards.
//
// Thread contract: used by one capture thread; no allocation, no system call.
#pragma once

#include <cstdint>

namespace earshot::audio {

class CaptureClock {
 public:
  static constexpr double kGain = 0.1;             // share of each estimate's error taken
  static constexpr int64_t kJumpNs = 250'000'000;  // lateness beyond this re-anchors

  explicit CaptureClock(uint32_t rate) : rate_(rate) {}

  // frame_index: the read's first frame, counted from the stream's start;
  // estimate_ns: CLOCK_REALTIME estimate of when that frame was captured.
  // Returns the smoothed capture time of that frame.
  int64_t wall_ns(uint64_t frame_index, int64_t estimate_ns);
  // Forgets the anchor (new stream, restart after an overrun).
  void reset() { anchored_ = false; }
  uint32_t rate() const { return rate_; }

 private:
  uint32_t rate_;
  bool anchored_ = false;
  uint64_t anchor_frame_ = 0;
  int64_t anchor_wall_ns_ = 0;
};

}  // namespace earshot::audio
