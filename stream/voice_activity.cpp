#include "stream/voice_activity.h"

#include <algorithm>
#include <cmath>

namespace earshot::stream {

namespace {
constexpr double kNoPeakDb = -200.0;  // no speech heard yet: the range test passes
// Float audio past full scale is garbage (another format read as f32le); taken at
// its level it would hold the speech peak so high that speech is out of range for
// minutes while the peak decays.
constexpr double kFullScaleDbfs = 0.0;
}  // namespace

VoiceActivity::VoiceActivity(VadConfig config)
    : config_(config), floor_db_(config.initial_floor_dbfs), peak_db_(kNoPeakDb) {}


void VoiceActivity::reset() {
  floor_db_ = config_.initial_floor_dbfs;
  peak_db_ = kNoPeakDb;
  floor_set_ = false;
  in_speech_ = false;
  n_loud_ = n_quiet_ = 0;
}

double VoiceActivity::level_dbfs(std::span<const float> frame) {
  double sum = 0;
  for (float s : frame) sum += static_cast<double>(s) * s;
  const double mean = frame.empty() ? 0 : sum / static_cast<double>(frame.size());
  return 10.0 * std::log10(mean + 1e-12);  // -120 dBFS for digital silence
}

bool VoiceActivity::push_frame(std::span<const float> frame, double frame_s) {
  const double raw_level = level_dbfs(frame);
  // An infinite sample would make the speech peak +inf for good, and nothing
  // after it would be in range; a NaN would be the floor. Such a frame is quiet.
  if (!std::isfinite(raw_level)) {
    n_loud_ = 0;
    if (++n_quiet_ >= config_.hangover_frames) in_speech_ = false;
    return in_speech_;
  }
  const double level = std::min(raw_level, kFullScaleDbfs);
  if (!floor_set_) {
    floor_db_ = std::min(level, floor_db_);
    floor_set_ = true;
  }
  // The floor drops to any quieter frame at once and creeps up otherwise, so
  // it settles on the background between words.
  floor_db_ = level < floor_db_ ? level
                                : std::min(level, floor_db_ + config_.floor_rise_db_per_s * frame_s);
  peak_db_ = std::max(kNoPeakDb, peak_db_ - config_.peak_fall_db_per_s * frame_s);
  const bool in_range = config_.speech_range_db <= 0 || level > peak_db_ - config_.speech_range_db;
  const bool loud = level > config_.absolute_gate_dbfs &&
                    level > floor_db_ + config_.speech_margin_db && in_range;
  if (loud) {
    peak_db_ = std::max(peak_db_, level);
    ++n_loud_;
    n_quiet_ = 0;
    if (n_loud_ >= config_.onset_frames) in_speech_ = true;
  } else {
    n_loud_ = 0;
    ++n_quiet_;
    if (n_quiet_ >= config_.hangover_frames) in_speech_ = false;
  }
  return in_speech_;
}

}  // namespace earshot::stream
