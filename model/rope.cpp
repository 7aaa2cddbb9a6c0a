#include "model/rope.h"

#include <cmath>

namespace earshot::model {

Rope::Rope(int n_rot, float base, const float* freq_divisors) : inv_freq_(static_cast<size_t>(n_rot / 2)) {
  for (int i = 0; i < n_rot / 2; ++i) {
    // In double, then rounded once, as the PyTorch reference computes it.
    double inv = std::pow(static_cast<double>(base), -2.0 * i / n_rot);
    if (freq_divisors != nullptr) inv /= static_cast<double>(freq_divisors[i]);
    inv_freq_[static_cast<size_t>(i)] = static_cast<float>(inv);
  }
}

void Rope::angles(int32_t pos, float* cos, float* sin) const {
  const float p = static_cast<float>(pos);
  for (size_t i = 0; i < inv_freq_.size(); ++i) {
    const float a = p * inv_freq_[i];
    cos[i] = std::cos(a);
    sin[i] = std::sin(a);
  }
}

void Rope::rotate(float* x, int n_heads, int head_dim, int n_pairs, const float* cos, const float* sin) {
  for (int h = 0; h < n_heads; ++h) {
    float* x1 = x + static_cast<int64_t>(h) * head_dim;
    float* x2 = x1 + n_pairs;
    for (int i = 0; i < n_pairs; ++i) {
      const float a = x1[i], b = x2[i];
      x1[i] = a * cos[i] - b * sin[i];
      x2[i] = b * cos[i] + a * sin[i];
    }
  }
}

}  // namespace earshot::model
