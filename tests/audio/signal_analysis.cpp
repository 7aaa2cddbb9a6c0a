#include "signal_analysis.h"

#include <cmath>
#include <numbers>

namespace earshot::audio::testing {

namespace {

// Power of samples at one frequency (Goertzel).
double power_at(std::span<const float> samples, uint32_t rate, double frequency_hz) {
  const double w = 2.0 * std::numbers::pi * frequency_hz / rate;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0.0, s2 = 0.0;
  for (float x : samples) {
    const double s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

}  // namespace

std::vector<float> make_sine(double frequency_hz, uint32_t rate, size_t n_frames,
                             uint32_t n_channels, double amplitude) {
  std::vector<float> out(n_frames * n_channels);
  for (size_t i = 0; i < n_frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    const float v =
        static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * frequency_hz * t));
    for (uint32_t c = 0; c < n_channels; ++c) out[i * n_channels + c] = v;
  }
  return out;
}

double rms(std::span<const float> samples) {
  if (samples.empty()) return 0.0;
  double sum = 0.0;
  for (float x : samples) sum += static_cast<double>(x) * x;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

double dominant_frequency(std::span<const float> samples, uint32_t rate, double min_hz,
                          double max_hz) {
  if (max_hz <= 0) max_hz = rate / 2.0 - 1.0;
  // Coarse scan at 10 Hz, then 0.5 Hz around the best bin.
  double best_hz = min_hz, best_power = -1.0;
  for (double f = min_hz; f <= max_hz; f += 10.0) {
    const double p = power_at(samples, rate, f);
    if (p > best_power) best_power = p, best_hz = f;
  }
  const double centre = best_hz;
  for (double f = centre - 10.0; f <= centre + 10.0; f += 0.5) {
    const double p = power_at(samples, rate, f);
    if (p > best_power) best_power = p, best_hz = f;
  }
  return best_hz;
}

double sine_snr_db(std::span<const float> samples, uint32_t rate, double frequency_hz) {
  // Normal equations for x ~ a cos + b sin + c.
  const double w = 2.0 * std::numbers::pi * frequency_hz / rate;
  double m[3][3] = {}, v[3] = {};
  for (size_t i = 0; i < samples.size(); ++i) {
    const double basis[3] = {std::cos(w * i), std::sin(w * i), 1.0};
    for (int r = 0; r < 3; ++r) {
      v[r] += basis[r] * samples[i];
      for (int c = 0; c < 3; ++c) m[r][c] += basis[r] * basis[c];
    }
  }
  // Gaussian elimination, 3x3.
  for (int p = 0; p < 3; ++p) {
    for (int r = p + 1; r < 3; ++r) {
      const double k = m[r][p] / m[p][p];
      for (int c = p; c < 3; ++c) m[r][c] -= k * m[p][c];
      v[r] -= k * v[p];
    }
  }
  double coef[3];
  for (int r = 2; r >= 0; --r) {
    double s = v[r];
    for (int c = r + 1; c < 3; ++c) s -= m[r][c] * coef[c];
    coef[r] = s / m[r][r];
  }
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const double fit = coef[0] * std::cos(w * i) + coef[1] * std::sin(w * i) + coef[2];
    signal += fit * fit;
    noise += (samples[i] - fit) * (samples[i] - fit);
  }
  return 10.0 * std::log10(signal / std::max(noise, 1e-30));
}

double active_seconds(std::span<const float> samples, uint32_t rate, double threshold) {
  const size_t window = rate / 100;
  size_t n_active = 0;
  for (size_t i = 0; i + window <= samples.size(); i += window) {
    if (rms(samples.subspan(i, window)) > threshold) ++n_active;
  }
  return static_cast<double>(n_active * window) / rate;
}

}  // namespace earshot::audio::testing
