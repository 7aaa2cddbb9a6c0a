#include "model/ops.h"

#include <algorithm>
#include <cmath>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace earshot::model::ops {

void rms_norm(const float* x, const float* w, int64_t n, float eps, float* out) {
  double sum_sq = 0.0;  // double, as ggml accumulates it
  for (int64_t i = 0; i < n; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  const float mean = static_cast<float>(sum_sq / static_cast<double>(n));
  const float r = 1.0f / std::sqrt(mean + eps);
  if (w != nullptr) {
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r;
  }
}

void rms_norm_rows(const float* x, const float* w, int64_t n_rows, int64_t n, float eps, float* out) {
  for (int64_t r = 0; r < n_rows; ++r) rms_norm(x + r * n, w, n, eps, out + r * n);
}

float gelu_tanh(float x) {
  constexpr float kMinusTwoSqrt2OverPi = -2.0f * 0.7978845608028654f;
  constexpr float kCoef = 0.044715f;
  return x / (1.0f + std::exp(kMinusTwoSqrt2OverPi * (x + kCoef * x * x * x)));
}

void gelu_tanh_mul(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gelu_tanh(gate[i]) * up[i];
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void axpy(float a, const float* x, float* y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 va = _mm256_set1_ps(a);
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
#endif
  for (; i < n; ++i) y[i] += a * x[i];
}

void scale(float* y, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= s;
}

void softcap(float* x, int64_t n, float cap) {
  if (cap <= 0.0f) return;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

void log_softmax(float* x, int64_t n) {
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i] - max));
  const auto log_z = static_cast<float>(max + std::log(sum));
  for (int64_t i = 0; i < n; ++i) x[i] -= log_z;
}

int64_t argmax(const float* x, int64_t n) {
  int64_t best = n > 0 ? 0 : -1;
  for (int64_t i = 1; i < n; ++i) {
    if (x[i] > x[best]) best = i;
  }
  return best;
}

}  // namespace earshot::model::ops
