#include "model/ggml_types.h"

#include <array>
#include <cstring>

#include "model/float16.h"
#include "model/quant_blocks.h"

namespace earshot::model {
namespace {

constexpr int64_t kQK = kSuperBlockSize;

// Every id ggml assigns to a type that can appear in a file, with ggml's
// block geometry. Ids 4, 5 and 31-33, 36-38 were retired and never reused.
constexpr std::array kTypeTable = {
    TypeTraits{GgmlType::kF32, "F32", 1, 4, true},
    TypeTraits{GgmlType::kF16, "F16", 1, 2, true},
    TypeTraits{GgmlType::kQ4_0, "Q4_0", 32, 18, true},
    TypeTraits{GgmlType::kQ4_1, "Q4_1", 32, 20, false},
    TypeTraits{GgmlType::kQ5_0, "Q5_0", 32, 22, false},
    TypeTraits{GgmlType::kQ5_1, "Q5_1", 32, 24, false},
    TypeTraits{GgmlType::kQ8_0, "Q8_0", 32, 34, true},
    TypeTraits{GgmlType::kQ8_1, "Q8_1", 32, 36, false},
    TypeTraits{GgmlType::kQ2_K, "Q2_K", kQK, 2 + 2 + kQK / 16 + kQK / 4, false},
    TypeTraits{GgmlType::kQ3_K, "Q3_K", kQK, 2 + kQK / 4 + kQK / 8 + 12, false},
    TypeTraits{GgmlType::kQ4_K, "Q4_K", kQK, 2 + 2 + kQK / 2 + 12, true},
    TypeTraits{GgmlType::kQ5_K, "Q5_K", kQK, 2 + 2 + kQK / 2 + kQK / 8 + 12, false},
    TypeTraits{GgmlType::kQ6_K, "Q6_K", kQK, 2 + kQK / 2 + kQK / 4 + kQK / 16, true},
    TypeTraits{GgmlType::kQ8_K, "Q8_K", kQK, 4 + kQK + kQK / 8, false},
    TypeTraits{GgmlType::kIQ2_XXS, "IQ2_XXS", kQK, 2 + kQK / 4, false},
    TypeTraits{GgmlType::kIQ2_XS, "IQ2_XS", kQK, 2 + kQK / 4 + kQK / 32, false},
    TypeTraits{GgmlType::kIQ3_XXS, "IQ3_XXS", kQK, 2 + kQK / 4 + kQK / 8, false},
    TypeTraits{GgmlType::kIQ1_S, "IQ1_S", kQK, 2 + kQK / 8 + kQK / 16, false},
    TypeTraits{GgmlType::kIQ4_NL, "IQ4_NL", 32, 18, false},
    TypeTraits{GgmlType::kIQ3_S, "IQ3_S", kQK, 2 + kQK / 4 + kQK / 8 + kQK / 32 + 4, false},
    TypeTraits{GgmlType::kIQ2_S, "IQ2_S", kQK, 2 + kQK / 4 + kQK / 16, false},
    TypeTraits{GgmlType::kIQ4_XS, "IQ4_XS", kQK, 2 + 2 + kQK / 2 + kQK / 64, false},
    TypeTraits{GgmlType::kI8, "I8", 1, 1, false},
    TypeTraits{GgmlType::kI16, "I16", 1, 2, false},
    TypeTraits{GgmlType::kI32, "I32", 1, 4, false},
    TypeTraits{GgmlType::kI64, "I64", 1, 8, false},
    TypeTraits{GgmlType::kF64, "F64", 1, 8, false},
    TypeTraits{GgmlType::kIQ1_M, "IQ1_M", kQK, kQK / 8 + kQK / 16 + kQK / 32, false},
    TypeTraits{GgmlType::kBF16, "BF16", 1, 2, true},
    TypeTraits{GgmlType::kTQ1_0, "TQ1_0", kQK, 2 + 4 * 13, false},
    TypeTraits{GgmlType::kTQ2_0, "TQ2_0", kQK, 2 + 64, false},
    TypeTraits{GgmlType::kMXFP4, "MXFP4", 32, 1 + 16, false},
    TypeTraits{GgmlType::kNVFP4, "NVFP4", 64, 4 + 32, false},
    TypeTraits{GgmlType::kQ1_0, "Q1_0", 128, 2 + 16, false},
};

void dequantize_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_f16(const void* src, float* dst, int64_t n) {
  const auto* bytes = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, bytes + 2 * i, 2);
    dst[i] = fp16_to_fp32(h);
  }
}

void dequantize_bf16(const void* src, float* dst, int64_t n) {
  const auto* bytes = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, bytes + 2 * i, 2);
    dst[i] = bf16_to_fp32(h);
  }
}

void dequantize_q8_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQ8_0BlockSize; ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int i = 0; i < kQ8_0BlockSize; ++i) dst[i] = d * static_cast<float>(blocks[b].qs[i]);
    dst += kQ8_0BlockSize;
  }
}

void dequantize_q4_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  constexpr int kHalf = kQ4_0BlockSize / 2;
  for (int64_t b = 0; b < n / kQ4_0BlockSize; ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int i = 0; i < kHalf; ++i) {
      const uint8_t packed = blocks[b].qs[i];
      dst[i] = d * static_cast<float>((packed & 15) - 8);
      dst[i + kHalf] = d * static_cast<float>((packed >> 4) - 8);
    }
    dst += kQ4_0BlockSize;
  }
}

void dequantize_q4_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const BlockQ4_K& block = blocks[b];
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    const Q4KScales s = unpack_q4k_scales(block.scales);
    for (int chunk = 0; chunk < 4; ++chunk) {  // 64 values: two sub-blocks
      const uint8_t* q = block.qs + 32 * chunk;
      const float d_lo = d * s.scale[2 * chunk], m_lo = dmin * s.min[2 * chunk];
      const float d_hi = d * s.scale[2 * chunk + 1], m_hi = dmin * s.min[2 * chunk + 1];
      for (int l = 0; l < 32; ++l) dst[l] = d_lo * static_cast<float>(q[l] & 15) - m_lo;
      for (int l = 0; l < 32; ++l) dst[l + 32] = d_hi * static_cast<float>(q[l] >> 4) - m_hi;
      dst += 64;
    }
  }
}

void dequantize_q6_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlockSize; ++b) {
    const BlockQ6_K& block = blocks[b];
    const float d = fp16_to_fp32(block.d);
    for (int half = 0; half < 2; ++half) {  // 128 values each
      const uint8_t* ql = block.ql + 64 * half;
      const uint8_t* qh = block.qh + 32 * half;
      const int8_t* sc = block.scales + 8 * half;
      for (int l = 0; l < 32; ++l) {
        const int g = l / 16;  // which 16-value sub-block inside each 32
        const int q1 = ((ql[l] & 15) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // (d * scale) * q, rounded in that order as ggml does.
        dst[l] = d * static_cast<float>(sc[g]) * static_cast<float>(q1);
        dst[l + 32] = d * static_cast<float>(sc[g + 2]) * static_cast<float>(q2);
        dst[l + 64] = d * static_cast<float>(sc[g + 4]) * static_cast<float>(q3);
        dst[l + 96] = d * static_cast<float>(sc[g + 6]) * static_cast<float>(q4);
      }
      dst += 128;
    }
  }
}

}  // namespace

std::optional<TypeTraits> find_type_traits(uint32_t type_id) {
  for (const TypeTraits& t : kTypeTable) {
    if (static_cast<uint32_t>(t.type) == type_id) return t;
  }
  return std::nullopt;
}

const TypeTraits& type_traits(GgmlType type) {
  for (const TypeTraits& t : kTypeTable) {
    if (t.type == type) return t;
  }
  return kTypeTable[0];  // unreachable for a valid enumerator
}

std::string_view type_name(GgmlType type) {
  return type_traits(type).name;
}

std::string describe_type_id(uint32_t type_id) {
  if (const auto t = find_type_traits(type_id)) return std::string(t->name);
  return "unknown type " + std::to_string(type_id);
}

bool is_supported(GgmlType type) {
  return type_traits(type).supported;
}

size_t row_bytes(GgmlType type, int64_t n) {
  const TypeTraits& t = type_traits(type);
  return static_cast<size_t>(n / t.block_size) * t.type_size;
}

bool dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  if (n % type_traits(type).block_size != 0) return false;
  switch (type) {
    case GgmlType::kF32: dequantize_f32(src, dst, n); return true;
    case GgmlType::kF16: dequantize_f16(src, dst, n); return true;
    case GgmlType::kBF16: dequantize_bf16(src, dst, n); return true;
    case GgmlType::kQ8_0: dequantize_q8_0(src, dst, n); return true;
    case GgmlType::kQ4_0: dequantize_q4_0(src, dst, n); return true;
    case GgmlType::kQ4_K: dequantize_q4_k(src, dst, n); return true;
    case GgmlType::kQ6_K: dequantize_q6_k(src, dst, n); return true;
    default: return false;
  }
}

}  // namespace earshot::model
