// The earshot_logmel front end: fixed log-mel features of each 640-sample
// frame, causal, the same math as LogMel in training/model.py.
//
// Sub-frame k (0..n_subframes-1) of a frame ends hop * (k + 1) samples into
// it; its window is the `window` samples before that end (the first
// window - hop reach into the previous frame; zeros before the stream
// starts), times a periodic Hann window. Power spectrum by a window-point DFT
// (window/2 + 1 bins), mel filters from the GGUF, ln(energy + log_floor), then
// (value - mean[band]) / std[band]. Output per frame: [n_subframes * n_mels],
// sub-frame major.
//
// Streaming: the last window - hop samples of each call are kept for the
// next, so frames fed in any split give the features of the whole stream.
//
//   LogMel front(projector, /*max_frames=*/256);
//   front.compute(frames, n_frames, features);   // [n_frames, 640] -> [n_frames, n_in]
//
// Hot path contract: compute() never throws or allocates (n_frames <= max_frames).
// Thread contract: owned by one thread (the session's).
#pragma once

#include <cstdint>
#include <vector>

#include "model/audio_projector.h"

namespace earshot::model {

class LogMel {
 public:
  LogMel(const ProjectorWeights& projector, int64_t max_frames);

  int n_features() const { return hp_.n_subframes * hp_.n_mels; }
  int64_t max_frames() const { return max_frames_; }

  void compute(const float* frames, int64_t n_frames, float* features);

  // Forgets the previous samples (a new stream starts with zeros before it).
  void reset();

 private:
  LogMelHparams hp_;
  const float* mel_filters_;  // [n_bins, n_mels]
  const float* mean_;         // [n_mels]
  const float* std_;          // [n_mels]
  int64_t max_frames_;
  std::vector<float> dft_cos_;  // [window, n_bins], Hann folded in
  std::vector<float> dft_sin_;  // [window, n_bins], Hann folded in, negated sine
  std::vector<float> stream_;   // [history + max_frames * 640]: kept samples, then the new frames
  std::vector<float> windows_;  // [max_frames * n_subframes, window]
  std::vector<float> re_;       // [max_frames * n_subframes, n_bins]
  std::vector<float> im_;       // [max_frames * n_subframes, n_bins]
};

}  // namespace earshot::model
