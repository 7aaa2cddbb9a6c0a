// AVX2/FMA/F16C kernels (selected at compile time); without AVX2 the
// unqualified kernels are the scalar references.
//
// Integer scheme, as in ggml: weights are unpacked to unsigned bytes u and
// multiplied with the signed 8-bit activations by vpmaddubsw (u8 x s8 pairs
// summed to s16, which cannot saturate for these ranges: 63*127*2 < 2^15),
// widened to s32 by vpmaddwd with the sub-block scales, and scaled to float
// once per block. Offsets (Q4_0's -8, Q6_K's -32, Q4_K's mins) are applied
// through the activation block sums instead of per value.
#include "model/quant_dot.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>

#include <cstring>

#include "model/float16.h"

namespace earshot::model::kernels {
namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256i load32(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

inline __m128i load16(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

// 16 packed bytes -> 32 nibbles as bytes: low nibbles in lanes 0-15, high in 16-31.
inline __m256i unpack_nibbles_16(const uint8_t* p) {
  const __m128i bytes = load16(p);
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(bytes, 4), bytes);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

inline __m256i madd_ones(__m256i v16) {
  return _mm256_madd_epi16(v16, _mm256_set1_epi16(1));
}

// A vpshufb mask that fills the low 128-bit lane with its int16 number `lo`
// and the high lane with its int16 number `hi` (both lanes must hold the
// same eight int16 values, e.g. after vbroadcasti128).
inline __m256i spread_mask(int lo, int hi) {
  const char l0 = static_cast<char>(2 * lo), l1 = static_cast<char>(2 * lo + 1);
  const char h0 = static_cast<char>(2 * hi), h1 = static_cast<char>(2 * hi + 1);
  return _mm256_setr_epi8(l0, l1, l0, l1, l0, l1, l0, l1, l0, l1, l0, l1, l0, l1, l0, l1,
                          h0, h1, h0, h1, h0, h1, h0, h1, h0, h1, h0, h1, h0, h1, h0, h1);
}

}  // namespace

bool simd_enabled() {
  return true;
}

void quantize_act32(const float* x, ActBlock32* out, int64_t n) {
  reference::quantize_act32(x, out, n);
}

void quantize_act256(const float* x, ActBlock256* out, int64_t n) {
  reference::quantize_act256(x, out, n);
}

float dot_f32(const float* w, const float* x, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += w[i] * x[i];
  return sum;
}

float dot_f16(const uint16_t* w, const float* x, int64_t n) {
  const auto f16x8 = [](const uint16_t* p) { return _mm256_cvtph_ps(load16(p)); };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(f16x8(w + i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(f16x8(w + i + 8), _mm256_loadu_ps(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(f16x8(w + i + 16), _mm256_loadu_ps(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(f16x8(w + i + 24), _mm256_loadu_ps(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(f16x8(w + i), _mm256_loadu_ps(x + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += fp16_to_fp32(w[i]) * x[i];
  return sum;
}

float dot_bf16(const uint16_t* w, const float* x, int64_t n) {
  const auto bf16x8 = [](const uint16_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load16(p)), 16));
  };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(bf16x8(w + i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(bf16x8(w + i + 8), _mm256_loadu_ps(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(bf16x8(w + i + 16), _mm256_loadu_ps(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(bf16x8(w + i + 24), _mm256_loadu_ps(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(bf16x8(w + i), _mm256_loadu_ps(x + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += bf16_to_fp32(w[i]) * x[i];
  return sum;
}

float dot_q8_0(const BlockQ8_0* w, const ActBlock32* x, int64_t n_blocks) {
  // Signed x signed via the sign trick: |w| (unsigned) times x * sign(w).
  const auto block_dot = [](const BlockQ8_0& wb, const ActBlock32& xb) {
    const __m256i wq = load32(wb.qs);
    const __m256i xq = load32(xb.qs);
    const __m256i products = _mm256_maddubs_epi16(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(xq, wq));
    return _mm256_cvtepi32_ps(madd_ones(products));
  };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= n_blocks; b += 2) {
    acc0 = _mm256_fmadd_ps(block_dot(w[b], x[b]), _mm256_set1_ps(fp16_to_fp32(w[b].d) * x[b].d), acc0);
    acc1 = _mm256_fmadd_ps(block_dot(w[b + 1], x[b + 1]),
                           _mm256_set1_ps(fp16_to_fp32(w[b + 1].d) * x[b + 1].d), acc1);
  }
  for (; b < n_blocks; ++b) {
    acc0 = _mm256_fmadd_ps(block_dot(w[b], x[b]), _mm256_set1_ps(fp16_to_fp32(w[b].d) * x[b].d), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

float dot_q4_0(const BlockQ4_0* w, const ActBlock32* x, int64_t n_blocks) {
  // sum (u - 8) * x = sum u * x - 8 * sum x; sum x comes with the activations.
  const auto block_dot = [](const BlockQ4_0& wb, const ActBlock32& xb) {
    return _mm256_cvtepi32_ps(madd_ones(_mm256_maddubs_epi16(unpack_nibbles_16(wb.qs), load32(xb.qs))));
  };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float offsets = 0.0f;  // sum over blocks of scale * sum(x)
  int64_t b = 0;
  for (; b + 2 <= n_blocks; b += 2) {
    const float s0 = fp16_to_fp32(w[b].d) * x[b].d;
    const float s1 = fp16_to_fp32(w[b + 1].d) * x[b + 1].d;
    acc0 = _mm256_fmadd_ps(block_dot(w[b], x[b]), _mm256_set1_ps(s0), acc0);
    acc1 = _mm256_fmadd_ps(block_dot(w[b + 1], x[b + 1]), _mm256_set1_ps(s1), acc1);
    offsets += s0 * static_cast<float>(x[b].sum) + s1 * static_cast<float>(x[b + 1].sum);
  }
  for (; b < n_blocks; ++b) {
    const float s = fp16_to_fp32(w[b].d) * x[b].d;
    acc0 = _mm256_fmadd_ps(block_dot(w[b], x[b]), _mm256_set1_ps(s), acc0);
    offsets += s * static_cast<float>(x[b].sum);
  }
  return hsum(_mm256_add_ps(acc0, acc1)) - 8.0f * offsets;
}

float dot_q4_k(const BlockQ4_K* w, const ActBlock256* x, int64_t n_blocks) {
  const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
  __m256i broadcast[8];  // broadcast[j] spreads scale j over both lanes
  for (int j = 0; j < 8; ++j) broadcast[j] = spread_mask(j, j);
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_mins = _mm_setzero_ps();
  for (int64_t b = 0; b < n_blocks; ++b) {
    const BlockQ4_K& wb = w[b];
    const ActBlock256& xb = x[b];
    const float d = fp16_to_fp32(wb.d) * xb.d;
    const float dmin = fp16_to_fp32(wb.dmin) * xb.d;

    // Unpack the 6-bit scales and mins with 32-bit word operations.
    uint32_t words[3];
    std::memcpy(words, wb.scales, sizeof words);
    const uint32_t scales_lo = words[0] & 0x3f3f3f3fu;
    const uint32_t mins_lo = words[1] & 0x3f3f3f3fu;
    const uint32_t scales_hi = (words[2] & 0x0f0f0f0fu) | ((words[0] >> 2) & 0x30303030u);
    const uint32_t mins_hi = ((words[2] >> 4) & 0x0f0f0f0fu) | ((words[1] >> 2) & 0x30303030u);
    const __m128i scales8 = _mm_set_epi32(0, 0, static_cast<int>(scales_hi), static_cast<int>(scales_lo));
    const __m128i mins8 = _mm_set_epi32(0, 0, static_cast<int>(mins_hi), static_cast<int>(mins_lo));

    // Mins: sum_j min_j * (bsums[2j] + bsums[2j+1]).
    const __m128i bsums_lo = load16(xb.bsums);
    const __m128i bsums_hi = load16(xb.bsums + 8);
    const __m128i pair_sums = _mm_hadd_epi16(bsums_lo, bsums_hi);
    const __m128i min_products = _mm_madd_epi16(_mm_cvtepu8_epi16(mins8), pair_sums);
    acc_mins = _mm_fmadd_ps(_mm_cvtepi32_ps(min_products), _mm_set1_ps(dmin), acc_mins);

    // Scales: sub-blocks 2k (low nibbles) and 2k+1 (high nibbles) per 32 bytes.
    const __m256i scales16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales8));
    __m256i sumi = _mm256_setzero_si256();
    for (int k = 0; k < 4; ++k) {
      const __m256i packed = load32(wb.qs + 32 * k);
      const __m256i lo = _mm256_and_si256(packed, low_nibbles);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
      const __m256i scale_lo = _mm256_shuffle_epi8(scales16, broadcast[2 * k]);
      const __m256i scale_hi = _mm256_shuffle_epi8(scales16, broadcast[2 * k + 1]);
      const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(xb.qs + 64 * k)), scale_lo);
      const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(xb.qs + 64 * k + 32)), scale_hi);
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p_lo, p_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc);
  }
  __m128 mins = _mm_add_ps(acc_mins, _mm_movehl_ps(acc_mins, acc_mins));
  mins = _mm_add_ss(mins, _mm_movehdup_ps(mins));
  return hsum(acc) - _mm_cvtss_f32(mins);
}

float dot_q6_k(const BlockQ6_K* w, const ActBlock256* x, int64_t n_blocks) {
  const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
  const __m256i two_bits = _mm256_set1_epi8(0x03);
  __m256i pair[4];  // pair[m]: scale 2m in the low lane, 2m+1 in the high lane
  for (int m = 0; m < 4; ++m) pair[m] = spread_mask(2 * m, 2 * m + 1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n_blocks; ++b) {
    const BlockQ6_K& wb = w[b];
    const ActBlock256& xb = x[b];
    const float d = fp16_to_fp32(wb.d) * xb.d;

    const __m128i scales8 = load16(wb.scales);
    // Offset: the stored q is value + 32, so subtract 32 * sum_g scale_g * bsum_g.
    const __m256i offset = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scales8), load32(xb.bsums));
    __m256i sumi = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5));

    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = wb.ql + 64 * half;
      const __m256i ql0 = load32(ql);
      const __m256i ql1 = load32(ql + 32);
      const __m256i qh = load32(wb.qh + 32 * half);
      // The four 32-value groups of this half (see BlockQ6_K).
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low_nibbles),
                          _mm256_slli_epi16(_mm256_and_si256(qh, two_bits), 4)),
          _mm256_or_si256(_mm256_and_si256(ql1, low_nibbles),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), two_bits), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low_nibbles),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), two_bits), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low_nibbles),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), two_bits), 4)),
      };
      // int16 scales of this half's 8 sub-blocks, in both 128-bit lanes.
      const __m256i scales16 =
          _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(half == 0 ? scales8 : _mm_srli_si128(scales8, 8)));
      for (int m = 0; m < 4; ++m) {
        // Group m covers sub-blocks 2m (first 16 values) and 2m+1 (last 16).
        const __m256i scale = _mm256_shuffle_epi8(scales16, pair[m]);
        const __m256i products = _mm256_maddubs_epi16(q[m], load32(xb.qs + 128 * half + 32 * m));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(products, scale));
      }
    }
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d), acc);
  }
  return hsum(acc);
}

}  // namespace earshot::model::kernels

#else  // no AVX2: the references are the kernels

namespace earshot::model::kernels {

bool simd_enabled() { return false; }
void quantize_act32(const float* x, ActBlock32* out, int64_t n) { reference::quantize_act32(x, out, n); }
void quantize_act256(const float* x, ActBlock256* out, int64_t n) { reference::quantize_act256(x, out, n); }
float dot_f32(const float* w, const float* x, int64_t n) { return reference::dot_f32(w, x, n); }
float dot_f16(const uint16_t* w, const float* x, int64_t n) { return reference::dot_f16(w, x, n); }
float dot_bf16(const uint16_t* w, const float* x, int64_t n) { return reference::dot_bf16(w, x, n); }
float dot_q8_0(const BlockQ8_0* w, const ActBlock32* x, int64_t n) { return reference::dot_q8_0(w, x, n); }
float dot_q4_0(const BlockQ4_0* w, const ActBlock32* x, int64_t n) { return reference::dot_q4_0(w, x, n); }
float dot_q4_k(const BlockQ4_K* w, const ActBlock256* x, int64_t n) { return reference::dot_q4_k(w, x, n); }
float dot_q6_k(const BlockQ6_K* w, const ActBlock256* x, int64_t n) { return reference::dot_q6_k(w, x, n); }

}  // namespace earshot::model::kernels

#endif
