// Notices a source that says it is recording but delivers no audio: a
// suspended PulseAudio source or a stalled device gives no error, only
// silence on the wire. The session thread tells it when audio arrives and
// what state the source is in; the caller passes the time, so the watch is
// deterministic.
//
//   NoAudioWatch watch(5'000'000'000);
//   if (watch.on_idle(now, running)) log_warning("no audio for 5 s");
//   if (auto gap = watch.on_audio(now)) log_notice("audio again after " ...);
//
// Thread contract: thread-compatible; the session thread owns it.
#pragma once

#include <cstdint>
#include <optional>

namespace earshot::daemon {

class NoAudioWatch {
 public:
  explicit NoAudioWatch(int64_t warn_after_ns) : warn_after_ns_(warn_after_ns) {}

  // Audio arrived. When the watch had warned, returns how long there was none.
  std::optional<int64_t> on_audio(int64_t now_ns);
  // Nothing arrived. A source that is not running (starting, reconnecting)
  // has said why already, so its time does not count. True once per quiet
  // spell, when it first passes the warning time.
  bool on_idle(int64_t now_ns, bool running);
  // How long a running source has delivered nothing, once past the warning
  // time; 0 while audio flows.
  int64_t silent_ns(int64_t now_ns) const { return warned_ ? now_ns - last_audio_ns_ : 0; }

 private:
  const int64_t warn_after_ns_;
  int64_t last_audio_ns_ = 0;
  bool timing_ = false;  // last_audio_ns_ holds a time at which the source ran
  bool warned_ = false;
};

}  // namespace earshot::daemon
