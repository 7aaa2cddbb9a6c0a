// What went wrong, counted: a source's capture thread increments these, any
// thread may read a snapshot. Relaxed atomics: counts, not synchronisation.
//
// Thread contract: CaptureCounters is written by one capture thread and read by
// any thread; SourceCounters is a plain snapshot value.
#pragma once

#include <atomic>
#include <cstdint>

namespace earshot::audio {

struct SourceCounters {
  uint64_t n_samples = 0;          // 16 kHz samples put in the ring
  uint64_t n_overrun_samples = 0;  // samples lost because the consumer did not take them in time
  // Samples lost before they reached earshot (server holes, device xruns).
  uint64_t n_dropped_samples = 0;
  uint64_t n_device_overruns = 0;  // overflow / xrun events the device or server reported
  uint64_t n_reconnects = 0;       // times the source came back after losing its server or device
  uint64_t n_gaps = 0;             // blocks delivered with gap_ns > 0
  int64_t gap_ns = 0;              // total time missing across all gaps
  // Input frames that were NaN or infinite and went in as silence: the stream
  // is not the sample format it was declared as, or the file is damaged.
  uint64_t n_nonfinite_frames = 0;
};

class CaptureCounters {
 public:
  void add_samples(uint64_t n) { bump(n_samples_, n); }
  void add_overrun_samples(uint64_t n) { bump(n_overrun_samples_, n); }
  void add_dropped_samples(uint64_t n) { bump(n_dropped_samples_, n); }
  void add_device_overrun() { bump(n_device_overruns_, 1); }
  void add_reconnect() { bump(n_reconnects_, 1); }
  void add_nonfinite_frames(uint64_t n) {
    if (n > 0) bump(n_nonfinite_frames_, n);
  }
  void add_gap(int64_t gap_ns) {
    bump(n_gaps_, 1);
    gap_ns_.store(gap_ns_.load(std::memory_order_relaxed) + gap_ns, std::memory_order_relaxed);
  }

  SourceCounters snapshot() const {
    SourceCounters s;
    s.n_samples = n_samples_.load(std::memory_order_relaxed);
    s.n_overrun_samples = n_overrun_samples_.load(std::memory_order_relaxed);
    s.n_dropped_samples = n_dropped_samples_.load(std::memory_order_relaxed);
    s.n_device_overruns = n_device_overruns_.load(std::memory_order_relaxed);
    s.n_reconnects = n_reconnects_.load(std::memory_order_relaxed);
    s.n_gaps = n_gaps_.load(std::memory_order_relaxed);
    s.gap_ns = gap_ns_.load(std::memory_order_relaxed);
    s.n_nonfinite_frames = n_nonfinite_frames_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // One writer: a load and a store are enough (no read-modify-write needed).
  static void bump(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::atomic<uint64_t> n_samples_{0};
  std::atomic<uint64_t> n_overrun_samples_{0};
  std::atomic<uint64_t> n_dropped_samples_{0};
  std::atomic<uint64_t> n_device_overruns_{0};
  std::atomic<uint64_t> n_reconnects_{0};
  std::atomic<uint64_t> n_gaps_{0};
  std::atomic<int64_t> gap_ns_{0};
  std::atomic<uint64_t> n_nonfinite_frames_{0};
};

}  // namespace earshot::audio
