// Voice activity from the signal's level, before the model's per-frame norm
// (which scales a near-silent frame up to full level and so hides silence).
//
// Per 40 ms frame: energy in dBFS, compared with a noise floor that follows
// the quietest recent frames (falls at once, rises slowly). A frame is speech
// when it stands kSpeechMarginDb above the floor and above an absolute gate,
// and within speech_range_db of the recent speech peak: the decaying tail of a
// word (reverberation, a trailing breath) falls below that long before it
// reaches the floor of a quiet room, and counting it as speech would delay
// every final by the length of the tail.
// Onset needs a few speech frames in a row; offset needs a pause (hangover),
// so short gaps between words do not end speech. A frame whose level is not
// finite (a NaN or infinite sample) counts as quiet and leaves floor and peak alone.
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
  double speech_range_db = 30.0;   // below the speech peak by this much is not speech (0: off)
  // The peak forgets: a quieter voice after a pause is heard again (at 4 dB/s
  // the peak falls much more slowly than a room's reverberation decays, and
  // slowly enough that a breath after the last word stays out of range).
  double peak_fall_db_per_s = 4.0;
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
  double peak_db_;
  bool floor_set_ = false;
  bool in_speech_ = false;
  int n_loud_ = 0;
  int n_quiet_ = 0;
};

}  // namespace earshot::stream
