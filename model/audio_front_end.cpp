#include "model/audio_front_end.h"

#include "model/ops.h"

namespace earshot::model {

AudioFrontEnd::AudioFrontEnd(const ProjectorWeights& projector, int64_t max_frames)
    : projector_(&projector), max_frames_(max_frames) {
  if (projector.type == ProjectorType::kEarshotLogMel) log_mel_.emplace(projector, max_frames);
}

void AudioFrontEnd::features(const float* frames, int64_t n, float* features) {
  if (log_mel_) {
    log_mel_->compute(frames, n, features);
  } else {
    ops::rms_norm_rows(frames, nullptr, n, kFrameSamples, projector_->eps, features);
  }
}

void AudioFrontEnd::embed(const float* frames, int64_t n, float* features_out, float* embeddings, Matmul& matmul) {
  features(frames, n, features_out);
  matmul.run(projector_->input_projection, features_out, n, embeddings);
}

void AudioFrontEnd::reset() {
  if (log_mel_) log_mel_->reset();
}

}  // namespace earshot::model
