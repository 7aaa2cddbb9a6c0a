#include "daemon/status_report.h"

#include <algorithm>
#include <cstdio>

namespace earshot::daemon {
namespace {

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace

void RtfWindow::add(int64_t now_ns, double total_audio_s, double total_decode_s) {
  if (!samples_.empty() && (total_audio_s < samples_.back().audio_s || total_decode_s < samples_.back().decode_s)) {
    samples_.clear();  // totals went back: a new set of sessions
  }
  samples_.push_back({now_ns, total_audio_s, total_decode_s});
  // Keep one sample at or before the window's start, so the window is full.
  while (samples_.size() > 2 && now_ns - samples_[1].t_ns >= window_ns_) samples_.pop_front();
}

double RtfWindow::rtf() const {
  if (samples_.size() < 2) return 0;
  const double audio = samples_.back().audio_s - samples_.front().audio_s;
  const double decode = samples_.back().decode_s - samples_.front().decode_s;
  return audio > 0 ? decode / audio : 0;
}

std::string status_line(const ipc::DaemonStatus& status) {
  std::string line = std::to_string(status.sources.size()) + (status.sources.size() == 1 ? " source: " : " sources: ");
  double lag = 0;
  double dropped = 0;
  for (size_t i = 0; i < status.sources.size(); ++i) {
    const ipc::SourceStatus& s = status.sources[i];
    line += (i ? ", " : "") + s.source + " " + std::string(ipc::source_state_name(s.state));
    lag = std::max(lag, s.lag_s);
    dropped += s.dropped_audio_s;
  }
  line += " (lag " + fixed(lag, 1) + " s); RTF " + fixed(status.real_time_factor, 2) + "; dropped " +
          fixed(dropped, 1) + " s; " + std::to_string(status.n_subscribers) +
          (status.n_subscribers == 1 ? " subscriber" : " subscribers");
  const uint64_t bus_drops = status.drops.n_queue_full + status.drops.n_send_failed;
  if (bus_drops > 0) line += "; " + std::to_string(bus_drops) + " bus messages lost";
  return line;
}

}  // namespace earshot::daemon
