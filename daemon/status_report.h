// The service's status in numbers and in one line: the real-time factor over
// a sliding window (decode time / audio time, all sources together), and the
// STATUS= line systemd shows in `systemctl status`:
//
//   "2 sources: mic running, system running (lag 0.3 s); RTF 0.12; dropped 0.0 s; 1 subscriber"
//
// Thread contract: RtfWindow is thread-compatible (the main thread owns it);
// status_line() is a pure function.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "ipc/transcript_event.h"

namespace earshot::daemon {

class RtfWindow {
 public:
  explicit RtfWindow(int64_t window_ns = 60'000'000'000) : window_ns_(window_ns) {}

  // Totals so far (monotonically growing) at time now_ns.
  void add(int64_t now_ns, double total_audio_s, double total_decode_s);
  // decode / audio over the window; 0 before there is audio in it.
  double rtf() const;
  // Forget everything (the totals restart, e.g. after a reload).
  void clear() { samples_.clear(); }

 private:
  struct Sample {
    int64_t t_ns;
    double audio_s;
    double decode_s;
  };
  int64_t window_ns_;
  std::deque<Sample> samples_;
};

std::string status_line(const ipc::DaemonStatus& status);

}  // namespace earshot::daemon
