#include "daemon/no_audio_watch.h"

namespace earshot::daemon {

std::optional<int64_t> NoAudioWatch::on_audio(int64_t now_ns) {
  const bool had_warned = warned_;
  const int64_t silent = now_ns - last_audio_ns_;
  last_audio_ns_ = now_ns;
  timing_ = true;
  warned_ = false;
  if (had_warned) return silent;
  return std::nullopt;
}

bool NoAudioWatch::on_idle(int64_t now_ns, bool running) {
  if (!running) {
    timing_ = false;
    warned_ = false;
    return false;
  }
  if (!timing_) {
    last_audio_ns_ = now_ns;  // the clock starts when the source runs
    timing_ = true;
    return false;
  }
  if (warned_ || now_ns - last_audio_ns_ < warn_after_ns_) return false;
  warned_ = true;
  return true;
}

}  // namespace earshot::daemon
