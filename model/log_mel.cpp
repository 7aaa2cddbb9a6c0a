#include "model/log_mel.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace earshot::model {

LogMel::LogMel(const ProjectorWeights& projector, int64_t max_frames)
    : hp_(projector.logmel),
      mel_filters_(projector.mel_filters),
      mean_(projector.mel_mean),
      std_(projector.mel_std),
      max_frames_(max_frames) {
  const int n = hp_.window, n_bins = hp_.n_bins();
  dft_cos_.resize(static_cast<size_t>(n) * n_bins);
  dft_sin_.resize(dft_cos_.size());
  // In double, then rounded once, as the reference builds its tables.
  for (int t = 0; t < n; ++t) {
    const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * t / n);
    for (int k = 0; k < n_bins; ++k) {
      const double angle = 2.0 * std::numbers::pi * t * k / n;
      dft_cos_[static_cast<size_t>(t) * n_bins + k] = static_cast<float>(hann * std::cos(angle));
      dft_sin_[static_cast<size_t>(t) * n_bins + k] = static_cast<float>(hann * -std::sin(angle));
    }
  }
  const int64_t n_windows = max_frames * hp_.n_subframes;
  stream_.assign(static_cast<size_t>(hp_.history() + max_frames * kFrameSamples), 0.0f);
  windows_.resize(static_cast<size_t>(n_windows * n));
  re_.resize(static_cast<size_t>(n_windows * n_bins));
  im_.resize(re_.size());
}

void LogMel::reset() { std::fill(stream_.begin(), stream_.begin() + hp_.history(), 0.0f); }

void LogMel::compute(const float* frames, int64_t n_frames, float* features) {
  const int n = hp_.window, n_bins = hp_.n_bins(), n_mels = hp_.n_mels, history = hp_.history();
  const int64_t n_samples = n_frames * kFrameSamples;
  const int64_t n_windows = n_frames * hp_.n_subframes;
  std::memcpy(stream_.data() + history, frames, static_cast<size_t>(n_samples) * sizeof(float));

  // Window g covers stream_[g * hop, g * hop + window): it ends at the end of
  // sub-frame g, and the stream starts `history` samples before the frames.
  for (int64_t g = 0; g < n_windows; ++g) {
    std::memcpy(windows_.data() + g * n, stream_.data() + g * hp_.hop, static_cast<size_t>(n) * sizeof(float));
  }
  const auto m = static_cast<blasint>(n_windows);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n_bins, n, 1.0f, windows_.data(), n, dft_cos_.data(),
              n_bins, 0.0f, re_.data(), n_bins);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n_bins, n, 1.0f, windows_.data(), n, dft_sin_.data(),
              n_bins, 0.0f, im_.data(), n_bins);
  float* power = re_.data();
  for (int64_t i = 0; i < n_windows * n_bins; ++i) power[i] = re_[i] * re_[i] + im_[i] * im_[i];
  // Rows of `features` are sub-frame major, so [n_frames, n_sub * n_mels]
  // is the same memory as [n_windows, n_mels].
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n_mels, n_bins, 1.0f, power, n_bins, mel_filters_,
              n_mels, 0.0f, features, n_mels);
  for (int64_t g = 0; g < n_windows; ++g) {
    float* row = features + g * n_mels;
    for (int b = 0; b < n_mels; ++b) row[b] = (std::log(row[b] + hp_.log_floor) - mean_[b]) / std_[b];
  }
  std::memmove(stream_.data(), stream_.data() + n_samples, static_cast<size_t>(history) * sizeof(float));
}

}  // namespace earshot::model
