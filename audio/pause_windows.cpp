#include "audio/pause_windows.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace earshot::audio {
namespace {

constexpr size_t kFrame = 640;  // 40 ms at 16 kHz

// ln(mean square + tiny) of each whole frame: the level a cut compares.
std::vector<double> frame_log_energy(std::span<const float> samples) {
  std::vector<double> out(samples.size() / kFrame);
  for (size_t f = 0; f < out.size(); ++f) {
    double sum = 0;
    for (size_t i = f * kFrame; i < (f + 1) * kFrame; ++i) sum += static_cast<double>(samples[i]) * samples[i];
    out[f] = std::log(sum / kFrame + 1e-10);
  }
  return out;
}

// The frame in [lo, hi) at the middle of the quietest run of kPauseFrames
// frames (the run's mean level; near the ends, of the frames there are).
size_t quietest_run_middle(const std::vector<double>& energy, size_t lo, size_t hi) {
  constexpr size_t kHalf = kPauseFrames / 2;
  size_t best = lo;
  double best_level = INFINITY;
  for (size_t f = lo; f < hi; ++f) {
    const size_t first = f >= kHalf ? f - kHalf : 0;
    const size_t end = std::min(energy.size(), f + kHalf + 1);
    double sum = 0;
    for (size_t g = first; g < end; ++g) sum += energy[g];
    const double level = sum / static_cast<double>(end - first);
    if (level < best_level) {
      best_level = level;
      best = f;
    }
  }
  return best;
}

}  // namespace

std::vector<std::span<const float>> pause_windows(std::span<const float> samples, double max_seconds) {
  const size_t max_frames = std::max<size_t>(1, static_cast<size_t>(max_seconds * 25.0));
  const std::vector<double> energy = frame_log_energy(samples);
  std::vector<std::span<const float>> out;
  size_t start = 0;  // in frames
  while (samples.size() - start * kFrame > max_frames * kFrame) {
    // The cut: the middle of the quietest run in the window's second half
    // (a window of one frame has no second half).
    const size_t lo = start + std::max<size_t>(1, max_frames / 2);
    const size_t hi = start + max_frames;
    const size_t cut = hi > lo ? quietest_run_middle(energy, lo, hi) : hi;
    out.push_back(samples.subspan(start * kFrame, (cut - start) * kFrame));
    start = cut;
  }
  out.push_back(samples.subspan(start * kFrame));
  return out;
}

}  // namespace earshot::audio
