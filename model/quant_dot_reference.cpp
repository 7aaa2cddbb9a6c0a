// Scalar reference kernels: the definition every SIMD kernel is tested against.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/float16.h"
#include "model/quant_dot.h"

namespace earshot::model::kernels::reference {
namespace {

// x ~= d * q with q in [-127, 127]; d = max|x| / 127 (0 for an all-zero block).
template <int kN>
float quantize_block(const float* x, int8_t* q) {
  float amax = 0.0f;
  for (int i = 0; i < kN; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float inv = d > 0.0f ? 1.0f / d : 0.0f;
  for (int i = 0; i < kN; ++i) {
    const long v = std::lrint(x[i] * inv);  // round half to even
    q[i] = static_cast<int8_t>(std::clamp(v, -127L, 127L));
  }
  return d;
}

}  // namespace

void quantize_act32(const float* x, ActBlock32* out, int64_t n) {
  for (int64_t b = 0; b < n / 32; ++b) {
    ActBlock32& block = out[b];
    block.d = quantize_block<32>(x + 32 * b, block.qs);
    int32_t sum = 0;
    for (int8_t q : block.qs) sum += q;
    block.sum = static_cast<float>(sum);
  }
}

void quantize_act256(const float* x, ActBlock256* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    ActBlock256& block = out[b];
    block.d = quantize_block<kSuperBlockSize>(x + kSuperBlockSize * b, block.qs);
    for (int g = 0; g < kSuperBlockSize / 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += block.qs[16 * g + i];
      block.bsums[g] = static_cast<int16_t>(sum);
    }
  }
}

float dot_f32(const float* w, const float* x, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += w[i] * x[i];
  return sum;
}

float dot_f16(const uint16_t* w, const float* x, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += fp16_to_fp32_portable(w[i]) * x[i];
  return sum;
}

float dot_bf16(const uint16_t* w, const float* x, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += bf16_to_fp32(w[i]) * x[i];
  return sum;
}

float dot_q8_0(const BlockQ8_0* w, const ActBlock32* x, int64_t n_blocks) {
  float sum = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b) {
    int32_t isum = 0;
    for (int i = 0; i < 32; ++i) isum += w[b].qs[i] * x[b].qs[i];
    sum += fp16_to_fp32_portable(w[b].d) * x[b].d * static_cast<float>(isum);
  }
  return sum;
}

float dot_q4_0(const BlockQ4_0* w, const ActBlock32* x, int64_t n_blocks) {
  float sum = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b) {
    int32_t isum = 0;
    for (int i = 0; i < 16; ++i) {
      isum += ((w[b].qs[i] & 15) - 8) * x[b].qs[i];
      isum += ((w[b].qs[i] >> 4) - 8) * x[b].qs[i + 16];
    }
    sum += fp16_to_fp32_portable(w[b].d) * x[b].d * static_cast<float>(isum);
  }
  return sum;
}

float dot_q4_k(const BlockQ4_K* w, const ActBlock256* x, int64_t n_blocks) {
  float sum = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b) {
    const Q4KScales s = unpack_q4k_scales(w[b].scales);
    int32_t scaled = 0;  // sum_j scale_j * dot(q_j, x_j)
    int32_t mins = 0;    // sum_j min_j * sum(x_j)
    for (int j = 0; j < 8; ++j) {
      const uint8_t* q = w[b].qs + 32 * (j / 2);
      const int8_t* xq = x[b].qs + 32 * j;
      int32_t dot = 0;
      for (int l = 0; l < 32; ++l) dot += ((j % 2 == 0) ? (q[l] & 15) : (q[l] >> 4)) * xq[l];
      scaled += s.scale[j] * dot;
      mins += s.min[j] * (x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]);
    }
    sum += fp16_to_fp32_portable(w[b].d) * x[b].d * static_cast<float>(scaled) -
           fp16_to_fp32_portable(w[b].dmin) * x[b].d * static_cast<float>(mins);
  }
  return sum;
}

float dot_q6_k(const BlockQ6_K* w, const ActBlock256* x, int64_t n_blocks) {
  float sum = 0.0f;
  for (int64_t b = 0; b < n_blocks; ++b) {
    int8_t q[kSuperBlockSize];  // the 256 values, q - 32, in order
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w[b].ql + 64 * half;
      const uint8_t* qh = w[b].qh + 32 * half;
      int8_t* out = q + 128 * half;
      for (int l = 0; l < 32; ++l) {
        out[l] = static_cast<int8_t>(((ql[l] & 15) | (((qh[l] >> 0) & 3) << 4)) - 32);
        out[l + 32] = static_cast<int8_t>(((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32);
        out[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        out[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
    }
    int32_t isum = 0;
    for (int g = 0; g < 16; ++g) {
      int32_t dot = 0;
      for (int i = 0; i < 16; ++i) dot += q[16 * g + i] * x[b].qs[16 * g + i];
      isum += w[b].scales[g] * dot;
    }
    sum += fp16_to_fp32_portable(w[b].d) * x[b].d * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace earshot::model::kernels::reference
