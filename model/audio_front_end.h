// The step from 640-sample frames to the audio projection's input, for the
// model's projector type, plus the projection itself:
//   gemma4ua        x * rsqrt(mean(x^2) + 1e-6) over the frame (no weight; an
//                   all-zero frame gives zeros), 640 values;
//   earshot_logmel  LogMel (log_mel.h), 4 * n_mels values.
// then embeddings = features · input_projectionᵀ (no bias, no scaling).
//
//   AudioFrontEnd front(projector, /*max_frames=*/256);
//   front.embed(frames, n, features, embeddings, matmul);  // [n, 640] -> [n, n_embd]
//
// Streaming state (the log-mel history) lives here; reset() starts a new
// stream. Whole frames only: assembling samples into frames is the caller's.
//
// Hot path contract: embed() never throws or allocates for n <= max_frames.
// Thread contract: owned by one thread (the session's).
#pragma once

#include <cstdint>
#include <optional>

#include "model/audio_projector.h"
#include "model/log_mel.h"
#include "model/matmul.h"

namespace earshot::model {

class AudioFrontEnd {
 public:
  AudioFrontEnd(const ProjectorWeights& projector, int64_t max_frames);

  int n_features() const { return projector_->n_in; }
  int64_t max_frames() const { return max_frames_; }

  // features [n, n_features()] of n whole frames [n, 640].
  void features(const float* frames, int64_t n, float* features);

  // features, then the projection into embeddings [n, n_embd].
  void embed(const float* frames, int64_t n, float* features, float* embeddings, Matmul& matmul);

  void reset();

 private:
  const ProjectorWeights* projector_;
  int64_t max_frames_;
  std::optional<LogMel> log_mel_;
};

}  // namespace earshot::model
