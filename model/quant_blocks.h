// Byte layouts of the quantized blocks earshot reads, identical to ggml's, and
// of the quantized activation blocks the matvec kernels use internally.
//
// All blocks are byte-packed (no padding), so a pointer into a GGUF mapping may
// be read through them at any alignment the file gives (ggml files align
// tensors to 32 bytes, but rows of 18- or 210-byte blocks are not aligned).
#pragma once

#include <cstdint>

namespace earshot::model {

constexpr int kQ8_0BlockSize = 32;
constexpr int kQ4_0BlockSize = 32;
constexpr int kSuperBlockSize = 256;  // the k-quants' QK_K
constexpr int kQ4KScaleBytes = 12;

#pragma pack(push, 1)

// Q8_0: value[i] = d * qs[i].
struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[kQ8_0BlockSize];
};

// Q4_0: value[i] = d * ((qs[i] & 15) - 8), value[i + 16] = d * ((qs[i] >> 4) - 8).
struct BlockQ4_0 {
  uint16_t d;  // f16 scale
  uint8_t qs[kQ4_0BlockSize / 2];
};

// Q4_K: 8 sub-blocks of 32. Sub-block j has a 6-bit scale sc[j] and min m[j]
// packed in `scales` (see unpack_q4k_scales); value = d*sc[j]*q - dmin*m[j].
// Values 64k..64k+31 are the low nibbles of qs[32k..32k+31], values
// 64k+32..64k+63 their high nibbles.
struct BlockQ4_K {
  uint16_t d;     // f16 scale of the scales
  uint16_t dmin;  // f16 scale of the mins
  uint8_t scales[kQ4KScaleBytes];
  uint8_t qs[kSuperBlockSize / 2];
};

// Q6_K: 16 sub-blocks of 16 with int8 scales; q in 0..63, value = d*sc*(q-32).
// In each half of 128 values (ql advancing by 64, qh by 32), for l in 0..31:
//   value[l]      low nibble of ql[l]      | bits 0-1 of qh[l] << 4
//   value[l + 32] low nibble of ql[l + 32] | bits 2-3 of qh[l] << 4
//   value[l + 64] high nibble of ql[l]     | bits 4-5 of qh[l] << 4
//   value[l + 96] high nibble of ql[l + 32]| bits 6-7 of qh[l] << 4
struct BlockQ6_K {
  uint8_t ql[kSuperBlockSize / 2];
  uint8_t qh[kSuperBlockSize / 4];
  int8_t scales[kSuperBlockSize / 16];
  uint16_t d;  // f16
};

#pragma pack(pop)

static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ6_K) == 210);

// Q4_K's 12 scale bytes hold eight 6-bit scales and eight 6-bit mins:
// bytes 0-3 : scale 0-3 in bits 0-5, bits 6-7 are bits 4-5 of scale 4-7
// bytes 4-7 : min 0-3 in bits 0-5,   bits 6-7 are bits 4-5 of min 4-7
// bytes 8-11: low nibble bits 0-3 of scale 4-7, high nibble bits 0-3 of min 4-7
struct Q4KScales {
  uint8_t scale[8];
  uint8_t min[8];
};

inline Q4KScales unpack_q4k_scales(const uint8_t* packed) {
  Q4KScales out;
  for (int j = 0; j < 4; ++j) {
    out.scale[j] = packed[j] & 63;
    out.min[j] = packed[j + 4] & 63;
    out.scale[j + 4] = static_cast<uint8_t>((packed[j + 8] & 15) | ((packed[j] >> 6) << 4));
    out.min[j + 4] = static_cast<uint8_t>((packed[j + 8] >> 4) | ((packed[j + 4] >> 6) << 4));
  }
  return out;
}

// Activations quantized for the integer kernels (internal, never in files).
// 32-value block for Q8_0 / Q4_0 weights: x[i] ~= d * qs[i]; `sum` = sum(qs)
// (exact in a float: at most 32 * 127).
struct ActBlock32 {
  float d;
  float sum;
  int8_t qs[32];
};

// 256-value block for the k-quants: x[i] ~= d * qs[i]; bsums[g] = sum of
// qs[16g .. 16g+15], so a k-quant's per-sub-block offsets cost 16 products.
struct ActBlock256 {
  float d;
  int8_t qs[kSuperBlockSize];
  int16_t bsums[kSuperBlockSize / 16];
};

}  // namespace earshot::model
