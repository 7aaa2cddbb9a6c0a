#include "test_signals.h"

#include <cmath>
#include <numbers>
#include <random>

namespace earshot::stream::testing {

std::vector<float> voiced(double seconds, double level_dbfs, unsigned seed) {
  const size_t n = static_cast<size_t>(seconds * 16000);
  std::vector<float> out(n);
  std::mt19937 rng(seed);
  std::normal_distribution<float> jitter(0.0f, 0.02f);
  double sum_sq = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / 16000.0;
    double v = 0;
    for (int h = 1; h <= 8; ++h) v += std::sin(2 * std::numbers::pi * 150.0 * h * t) / h;
    v *= 0.6 + 0.4 * std::sin(2 * std::numbers::pi * 4.0 * t);
    out[i] = static_cast<float>(v) + jitter(rng);
    sum_sq += out[i] * out[i];
  }
  const double gain = std::pow(10.0, level_dbfs / 20.0) / std::sqrt(sum_sq / std::max<size_t>(n, 1));
  for (float& s : out) s = static_cast<float>(s * gain);
  return out;
}

std::vector<float> noise(double seconds, double level_dbfs, unsigned seed) {
  const size_t n = static_cast<size_t>(seconds * 16000);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, static_cast<float>(std::pow(10.0, level_dbfs / 20.0)));
  std::vector<float> out(n);
  for (float& s : out) s = dist(rng);
  return out;
}

void append(std::vector<float>& to, const std::vector<float>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

}  // namespace earshot::stream::testing
