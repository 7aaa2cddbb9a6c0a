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

// vpshufb masks over eight int16 values held in both 128-bit lanes (after
// vbroadcasti128). kSpreadBoth[j] fills the register with value j;
// kSpreadPair[m] fills the low lane with value 2m and the high lane with 2m+1.
struct SpreadMasks {
  alignas(32) uint8_t both[8][32];
  alignas(32) uint8_t pair[4][32];
};

constexpr SpreadMasks make_spread_masks() {
  SpreadMasks masks{};
  for (int j = 0; j < 8; ++j) {
    for (int i = 0; i < 32; i += 2) {
      masks.both[j][i] = static_cast<uint8_t>(2 * j);
      masks.both[j][i + 1] = static_cast<uint8_t>(2 * j + 1);
    }
  }
  for (int m = 0; m < 4; ++m) {
    for (int i = 0; i < 32; i += 2) {
      const int value = i < 16 ? 2 * m : 2 * m + 1;
      masks.pair[m][i] = static_cast<uint8_t>(2 * value);
      masks.pair[m][i + 1] = static_cast<uint8_t>(2 * value + 1);
    }
  }
  return masks;
}

constexpr SpreadMasks kSpread = make_spread_masks();

inline __m256i spread_both(int j) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(kSpread.both[j]));
}

inline __m256i spread_pair(int m) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(kSpread.pair[m]));
}

// Q4_K's 12 packed bytes -> 16 bytes: scales 0-7 then mins 0-7 (see
// unpack_q4k_scales). Reads 16 bytes from `packed`; the 4 past the scales
// are the block's first quants and are ignored.
inline __m128i unpack_q4k_scales_simd(const uint8_t* packed) {
  const __m128i words = load16(packed);                            // [w0, w1, w2, -]
  const __m128i low = _mm_shuffle_epi32(words, _MM_SHUFFLE(2, 1, 2, 0));  // [w0, w2, w1, w2]
  const __m128i low_bits = _mm_and_si128(_mm_srlv_epi32(low, _mm_setr_epi32(0, 0, 0, 4)),
                                         _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i high = _mm_shuffle_epi32(words, _MM_SHUFFLE(1, 1, 0, 0));  // [w0, w0, w1, w1]
  const __m128i high_bits = _mm_and_si128(_mm_srli_epi32(high, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low_bits, high_bits);
}

}  // namespace

bool simd_enabled() {
  return true;
}

namespace {

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 1, 1, 1)));
  return _mm_cvtsi128_si32(s);
}

// max |x| over n floats (n a multiple of 8).
inline float max_abs(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int i = 0; i < n; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
  return hmax(m);
}

// Rounds 32 floats times `inv` to int8 (nearest even, as lrint) into `q`;
// returns the four int32 vectors (values 0-7, 8-15, 16-23, 24-31) for sums.
struct Rounded32 {
  __m256i part[4];
};

inline Rounded32 round_to_int8(const float* x, __m256 inv, int8_t* q) {
  Rounded32 r;
  for (int k = 0; k < 4; ++k) r.part[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), inv));
  // packs work per 128-bit lane; the permute restores value order.
  const __m256i packed16_01 = _mm256_packs_epi32(r.part[0], r.part[1]);
  const __m256i packed16_23 = _mm256_packs_epi32(r.part[2], r.part[3]);
  const __m256i packed8 = _mm256_packs_epi16(packed16_01, packed16_23);
  const __m256i ordered = _mm256_permutevar8x32_epi32(packed8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), ordered);
  return r;
}

}  // namespace

// Bit-identical to the references: same scale, same products, same rounding.
void quantize_act32(const float* x, ActBlock32* out, int64_t n) {
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* xb = x + 32 * b;
    const float d = max_abs(xb, 32) / 127.0f;
    const float inv = d > 0.0f ? 1.0f / d : 0.0f;
    const Rounded32 r = round_to_int8(xb, _mm256_set1_ps(inv), out[b].qs);
    out[b].d = d;
    out[b].sum = static_cast<float>(hsum_i32(_mm256_add_epi32(_mm256_add_epi32(r.part[0], r.part[1]),
                                           _mm256_add_epi32(r.part[2], r.part[3]))));
  }
}

void quantize_act256(const float* x, ActBlock256* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const float* xb = x + kSuperBlockSize * b;
    const float d = max_abs(xb, kSuperBlockSize) / 127.0f;
    const __m256 inv = _mm256_set1_ps(d > 0.0f ? 1.0f / d : 0.0f);
    out[b].d = d;
    for (int chunk = 0; chunk < kSuperBlockSize / 32; ++chunk) {
      const Rounded32 r = round_to_int8(xb + 32 * chunk, inv, out[b].qs + 32 * chunk);
      out[b].bsums[2 * chunk] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(r.part[0], r.part[1])));
      out[b].bsums[2 * chunk + 1] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(r.part[2], r.part[3])));
    }
  }
}

// The float-weight dot products: 8 weights at a time widened to float by
// load8, four accumulators to hide the FMA latency, to_float for the tail.
template <typename T, typename Load8, typename ToFloat>
float dot_widened(const T* w, const float* x, int64_t n, Load8 load8, ToFloat to_float) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(load8(w + i), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(load8(w + i + 8), _mm256_loadu_ps(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(load8(w + i + 16), _mm256_loadu_ps(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(load8(w + i + 24), _mm256_loadu_ps(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load8(w + i), _mm256_loadu_ps(x + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += to_float(w[i]) * x[i];
  return sum;
}

float dot_f32(const float* w, const float* x, int64_t n) {
  return dot_widened(
      w, x, n, [](const float* p) { return _mm256_loadu_ps(p); }, [](float v) { return v; });
}

float dot_f16(const uint16_t* w, const float* x, int64_t n) {
  return dot_widened(
      w, x, n, [](const uint16_t* p) { return _mm256_cvtph_ps(load16(p)); }, fp16_to_fp32);
}

float dot_bf16(const uint16_t* w, const float* x, int64_t n) {
  const auto bf16x8 = [](const uint16_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load16(p)), 16));
  };
  return dot_widened(w, x, n, bf16x8, bf16_to_fp32);
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
    offsets += s0 * x[b].sum + s1 * x[b + 1].sum;
  }
  for (; b < n_blocks; ++b) {
    const float s = fp16_to_fp32(w[b].d) * x[b].d;
    acc0 = _mm256_fmadd_ps(block_dot(w[b], x[b]), _mm256_set1_ps(s), acc0);
    offsets += s * x[b].sum;
  }
  return hsum(_mm256_add_ps(acc0, acc1)) - 8.0f * offsets;
}

float dot_q4_k(const BlockQ4_K* w, const ActBlock256* x, int64_t n_blocks) {
  const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_mins = _mm_setzero_ps();
  for (int64_t b = 0; b < n_blocks; ++b) {
    const BlockQ4_K& wb = w[b];
    const ActBlock256& xb = x[b];
    const float d = fp16_to_fp32(wb.d) * xb.d;
    const float dmin = fp16_to_fp32(wb.dmin) * xb.d;
    const __m128i scales_and_mins = unpack_q4k_scales_simd(wb.scales);

    // Mins: sum_j min_j * (bsums[2j] + bsums[2j+1]).
    const __m128i pair_sums = _mm_hadd_epi16(load16(xb.bsums), load16(xb.bsums + 8));
    const __m128i mins16 = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(scales_and_mins, scales_and_mins));
    acc_mins = _mm_fmadd_ps(_mm_cvtepi32_ps(_mm_madd_epi16(mins16, pair_sums)), _mm_set1_ps(dmin), acc_mins);

    // Scales: per 32 bytes of quants, sub-block 2k in the low nibbles and
    // 2k+1 in the high nibbles.
    const __m256i scales16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales_and_mins));
    __m256i sumi = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const __m256i packed = load32(wb.qs + 32 * k);
      const __m256i lo = _mm256_and_si256(packed, low_nibbles);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
      const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(xb.qs + 64 * k)),
                                             _mm256_shuffle_epi8(scales16, spread_both(2 * k)));
      const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(xb.qs + 64 * k + 32)),
                                             _mm256_shuffle_epi8(scales16, spread_both(2 * k + 1)));
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
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n_blocks; ++b) {
    const BlockQ6_K& wb = w[b];
    const ActBlock256& xb = x[b];
    const float d = fp16_to_fp32(wb.d) * xb.d;

    const __m128i scales8 = load16(wb.scales);
    // Offset: the stored q is value + 32, so subtract 32 * sum_g scale_g * bsum_g.
    const __m256i offset = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scales8), load32(xb.bsums));
    __m256i sumi = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5));

#pragma GCC unroll 2
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
#pragma GCC unroll 4
      for (int m = 0; m < 4; ++m) {
        // Group m covers sub-blocks 2m (first 16 values) and 2m+1 (last 16).
        const __m256i scale = _mm256_shuffle_epi8(scales16, spread_pair(m));
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
