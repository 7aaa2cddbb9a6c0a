// Element-wise and per-row operations of the decoder graph, in float32 over
// caller-owned rows. They know nothing of the model.
//
// Thread contract: pure functions over caller-owned memory.
#pragma once

#include <cstdint>

namespace earshot::model::ops {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]; w null gives the weightless
// norm. Defined for an all-zero row (gives zeros). out may alias x.
void rms_norm(const float* x, const float* w, int64_t n, float eps, float* out);

// rms_norm over n_rows rows of n values each, row stride n.
void rms_norm_rows(const float* x, const float* w, int64_t n_rows, int64_t n, float eps, float* out);

// gate[i] = gelu_tanh(gate[i]) * up[i]  (GeGLU; gelu with the tanh approximation)
void gelu_tanh_mul(float* gate, const float* up, int64_t n);

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as the equal
// x / (1 + exp(-2 sqrt(2/pi) (x + 0.044715 x^3))): one exp instead of a tanh.
float gelu_tanh(float x);

// y[i] += x[i]
void add(float* y, const float* x, int64_t n);

// y[i] += a * x[i]  (AVX2 when the build has it)
void axpy(float a, const float* x, float* y, int64_t n);

// y[i] *= s
void scale(float* y, float s, int64_t n);

// x[i] = cap * tanh(x[i] / cap); cap <= 0 leaves x as it is.
void softcap(float* x, int64_t n, float cap);

// x[i] -= log(sum_j exp(x[j])): logits to log probabilities, in place
// (the sum in double). n must be at least 1.
void log_softmax(float* x, int64_t n);

// Index of the largest value (the first on ties); -1 when n == 0.
int64_t argmax(const float* x, int64_t n);

}  // namespace earshot::model::ops
