// Voice activity from the signal's level, before the model's per-frame norm
// (which scales a near-silent frame up to full level and so hides silence).
//
// Per 40 ms frame: energy in dBFS, compared with a noise floor that follows
// the quietest recent frames (falls at once, rises slowly). A frame is speech
// when it stands kSpeechMarginDb above the floor and above an absolute gate.
// Onset needs a few speech frames in a row; offset needs a pause (hangover),
// so short gaps between words do not end speech.
//
// Thread contract: thread-compatible; one session thread owns it.
#pragma once

#include <cstddef>
#include <span>

namespace earshot::stream {

struct VadConfig {
  double speech_margin_db = 10.0;  // above the noise floor
  double absolute_gate_dbfs = -60.0;  // quieter than this is never speech
  int onset_frames = 2;            // consecutive speech frames that start speech
  int hangover_frames = 8;         // non-speech frames that end it (320 ms)
  double floor_rise_db_per_s = 6.0;  // how fast the floor follows a louder background
  double initial_floor_dbfs = 0.0;    // the first frame's level sets the floor if lower
};

class VoiceActivity {
 public:
  explicit VoiceActivity(VadConfig config = {});

  // Classifies one frame (any length > 0); returns whether the stream is in speech
  // after this frame (with onset and hangover applied).
  bool push_frame(std::span<const float> frame, double frame_s);

  bool in_speech() const { return in_speech_; }
  double noise_floor_dbfs() const { return floor_db_; }
  // Consecutive non-speech frames at the end of the stream so far.
  int n_quiet_frames() const { return n_quiet_; }
  void reset();

  static double level_dbfs(std::span<const float> frame);

 private:
  VadConfig config_;
  double floor_db_;
  bool floor_set_ = false;
  bool in_speech_ = false;
  int n_loud_ = 0;
  int n_quiet_ = 0;
};

}  // namespace earshot::stream
