// Type table and dequantization: half/bfloat conversions exhaustively, and
// each block type against blocks built here from known scales and quants, at
// odd sizes and from unaligned sources.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "model/float16.h"
#include "model/ggml_types.h"
#include "model/quant_blocks.h"

namespace earshot::model {
namespace {

TEST(GgmlTypes, IdsAndGeometryMatchGgml) {
  struct Expected {
    uint32_t id;
    const char* name;
    int64_t block;
    size_t bytes;
  };
  const Expected table[] = {{0, "F32", 1, 4},      {1, "F16", 1, 2},      {2, "Q4_0", 32, 18},
                            {3, "Q4_1", 32, 20},   {6, "Q5_0", 32, 22},   {7, "Q5_1", 32, 24},
                            {8, "Q8_0", 32, 34},   {10, "Q2_K", 256, 84}, {11, "Q3_K", 256, 110},
                            {12, "Q4_K", 256, 144}, {13, "Q5_K", 256, 176}, {14, "Q6_K", 256, 210},
                            {15, "Q8_K", 256, 292}, {23, "IQ4_XS", 256, 136}, {28, "F64", 1, 8},
                            {30, "BF16", 1, 2},    {34, "TQ1_0", 256, 54}, {39, "MXFP4", 32, 17}};
  for (const Expected& e : table) {
    const auto traits = find_type_traits(e.id);
    ASSERT_TRUE(traits) << e.name;
    EXPECT_EQ(traits->name, e.name);
    EXPECT_EQ(traits->block_size, e.block) << e.name;
    EXPECT_EQ(traits->type_size, e.bytes) << e.name;
  }
  EXPECT_FALSE(find_type_traits(4));  // Q4_2, retired
  EXPECT_FALSE(find_type_traits(31));
  EXPECT_FALSE(find_type_traits(1000));
  EXPECT_EQ(describe_type_id(13), "Q5_K");
  EXPECT_EQ(describe_type_id(77), "unknown type 77");
  for (GgmlType t : {GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0,
                     GgmlType::kQ4_K, GgmlType::kQ6_K}) {
    EXPECT_TRUE(is_supported(t)) << type_name(t);
  }
  EXPECT_FALSE(is_supported(GgmlType::kQ5_K));
  EXPECT_EQ(row_bytes(GgmlType::kQ4_K, 3840), 15u * 144u);
}

TEST(Float16, EveryHalfDecodesLikeF16CAndRoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto half = static_cast<uint16_t>(h);
    const float portable = fp16_to_fp32_portable(half);
    const float fast = fp16_to_fp32(half);
    ASSERT_EQ(std::bit_cast<uint32_t>(portable), std::bit_cast<uint32_t>(fast)) << std::hex << h;
    if (!std::isnan(portable)) {
      ASSERT_EQ(fp32_to_fp16_portable(portable), half) << std::hex << h;
      ASSERT_EQ(fp32_to_fp16(portable), half) << std::hex << h;
    } else {
      ASSERT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16_portable(portable))));
    }
  }
  EXPECT_EQ(fp16_to_fp32_portable(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32_portable(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32_portable(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp16_to_fp32_portable(0x7bff), 65504.0f);
}

TEST(Float16, EncodingRoundsLikeF16C) {
  std::mt19937 rng(7);
  std::vector<float> probes = {0.0f, -0.0f, 65504.0f, 65519.0f, 65520.0f, 1e9f, -1e9f,
                               std::ldexp(1.0f, -25), std::ldexp(1.5f, -25), std::ldexp(1.0f, -26),
                               std::ldexp(1.0f, -14), std::ldexp(1.0f, -15) * 1.0001f,
                               std::numeric_limits<float>::infinity()};
  for (int i = 0; i < 200000; ++i) {
    probes.push_back(std::bit_cast<float>(static_cast<uint32_t>(rng())));  // any bit pattern
  }
  for (float f : probes) {
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_fp16_portable(f), fp32_to_fp16(f)) << f;
  }
}

TEST(Float16, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(std::nanf("")))));
}

// --- block builders: the inverse of the documented layouts ---

// Dequantizes from an address that is 1 byte off any alignment.
std::vector<float> dequantize_unaligned(GgmlType type, const void* src, int64_t n) {
  const size_t n_bytes = row_bytes(type, n);
  std::vector<uint8_t> storage(n_bytes + 1);
  std::memcpy(storage.data() + 1, src, n_bytes);
  std::vector<float> out(static_cast<size_t>(n), -12345.0f);
  EXPECT_TRUE(dequantize_row(type, storage.data() + 1, out.data(), n));
  return out;
}

TEST(Dequantize, FloatTypesAtOddSizes) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int64_t n : {1, 7, 33, 1001}) {
    std::vector<float> values(static_cast<size_t>(n));
    for (float& v : values) v = normal(rng);
    std::vector<uint16_t> halves, bhalves;
    for (float v : values) {
      halves.push_back(fp32_to_fp16_portable(v));
      bhalves.push_back(fp32_to_bf16(v));
    }
    const auto f32 = dequantize_unaligned(GgmlType::kF32, values.data(), n);
    const auto f16 = dequantize_unaligned(GgmlType::kF16, halves.data(), n);
    const auto bf16 = dequantize_unaligned(GgmlType::kBF16, bhalves.data(), n);
    for (size_t i = 0; i < values.size(); ++i) {
      ASSERT_EQ(f32[i], values[i]);
      ASSERT_EQ(f16[i], fp16_to_fp32_portable(halves[i]));
      ASSERT_EQ(bf16[i], std::bit_cast<float>(static_cast<uint32_t>(bhalves[i]) << 16));
      ASSERT_NEAR(f16[i], values[i], std::fabs(values[i]) * 1e-3f + 1e-7f);
      ASSERT_NEAR(bf16[i], values[i], std::fabs(values[i]) * 4e-3f);
    }
  }
}

TEST(Dequantize, Q8_0KnownValues) {
  for (int n_blocks : {1, 3, 7}) {
    std::vector<BlockQ8_0> blocks(static_cast<size_t>(n_blocks));
    for (int b = 0; b < n_blocks; ++b) {
      blocks[b].d = fp32_to_fp16_portable(0.5f * static_cast<float>(b + 1));
      for (int i = 0; i < 32; ++i) blocks[b].qs[i] = static_cast<int8_t>(i * 8 - 128 + b);
    }
    const auto out = dequantize_unaligned(GgmlType::kQ8_0, blocks.data(), 32 * n_blocks);
    for (int b = 0; b < n_blocks; ++b) {
      for (int i = 0; i < 32; ++i) {
        ASSERT_EQ(out[32 * b + i], 0.5f * static_cast<float>(b + 1) * static_cast<float>(i * 8 - 128 + b));
      }
    }
  }
}

TEST(Dequantize, Q4_0KnownValues) {
  for (int n_blocks : {1, 3, 7}) {
    std::vector<BlockQ4_0> blocks(static_cast<size_t>(n_blocks));
    for (int b = 0; b < n_blocks; ++b) {
      blocks[b].d = fp32_to_fp16_portable(-2.0f - static_cast<float>(b));
      for (int j = 0; j < 16; ++j) blocks[b].qs[j] = static_cast<uint8_t>(((j + b) & 15) | ((15 - j) << 4));
    }
    const auto out = dequantize_unaligned(GgmlType::kQ4_0, blocks.data(), 32 * n_blocks);
    for (int b = 0; b < n_blocks; ++b) {
      const float d = -2.0f - static_cast<float>(b);
      for (int j = 0; j < 16; ++j) {
        ASSERT_EQ(out[32 * b + j], d * static_cast<float>(((j + b) & 15) - 8));       // low nibble: first half
        ASSERT_EQ(out[32 * b + 16 + j], d * static_cast<float>((15 - j) - 8));        // high nibble: second half
      }
    }
  }
}

// Q4_K block from explicit 6-bit scales/mins and 4-bit quants (value order).
BlockQ4_K make_q4_k(float d, float dmin, const uint8_t (&scale)[8], const uint8_t (&min)[8], const uint8_t* q) {
  BlockQ4_K block{};
  block.d = fp32_to_fp16_portable(d);
  block.dmin = fp32_to_fp16_portable(dmin);
  // Packing, written bit by bit from the layout description.
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      block.scales[j] |= scale[j] & 63;
      block.scales[j + 4] |= min[j] & 63;
    } else {
      block.scales[j + 4] |= static_cast<uint8_t>((scale[j] & 15) | ((min[j] & 15) << 4));
      block.scales[j - 4] |= static_cast<uint8_t>((scale[j] >> 4) << 6);
      block.scales[j] |= static_cast<uint8_t>((min[j] >> 4) << 6);
    }
  }
  for (int i = 0; i < 256; ++i) {
    const int chunk = i / 64, within = i % 64;
    uint8_t& byte = block.qs[32 * chunk + within % 32];
    byte |= static_cast<uint8_t>(within < 32 ? q[i] : q[i] << 4);
  }
  return block;
}

TEST(Dequantize, Q4_KFromExplicitScalesAndQuants) {
  std::mt19937 rng(11);
  for (int n_blocks : {1, 3, 5}) {
    std::vector<BlockQ4_K> blocks;
    std::vector<float> expected;
    for (int b = 0; b < n_blocks; ++b) {
      uint8_t scale[8], min[8], q[256];
      for (int j = 0; j < 8; ++j) {
        scale[j] = static_cast<uint8_t>(rng() % 64);
        min[j] = static_cast<uint8_t>(rng() % 64);
      }
      if (b == 0) scale[5] = min[7] = 63;  // exercise the high bits
      for (uint8_t& v : q) v = static_cast<uint8_t>(rng() % 16);
      const float d = 0.01f * static_cast<float>(1 + b), dmin = 0.005f * static_cast<float>(2 + b);
      blocks.push_back(make_q4_k(d, dmin, scale, min, q));
      const float dd = fp16_to_fp32_portable(blocks.back().d), dm = fp16_to_fp32_portable(blocks.back().dmin);
      for (int i = 0; i < 256; ++i) {
        expected.push_back(dd * static_cast<float>(scale[i / 32]) * static_cast<float>(q[i]) -
                           dm * static_cast<float>(min[i / 32]));
      }
    }
    const auto out = dequantize_unaligned(GgmlType::kQ4_K, blocks.data(), 256 * n_blocks);
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(out[i], expected[i], 1e-6f * (1.0f + std::fabs(expected[i]))) << "value " << i;
    }
  }
}

// Q6_K block from explicit int8 scales and 6-bit quants (value order).
BlockQ6_K make_q6_k(float d, const int8_t (&scale)[16], const uint8_t* q) {
  BlockQ6_K block{};
  block.d = fp32_to_fp16_portable(d);
  std::memcpy(block.scales, scale, 16);
  for (int i = 0; i < 256; ++i) {
    const int half = i / 128, within = i % 128, group = within / 32, l = within % 32;
    uint8_t& low = block.ql[64 * half + l + (group % 2 == 1 ? 32 : 0)];
    low |= static_cast<uint8_t>(group < 2 ? (q[i] & 15) : (q[i] & 15) << 4);
    block.qh[32 * half + l] |= static_cast<uint8_t>((q[i] >> 4) << (2 * group));
  }
  return block;
}

TEST(Dequantize, Q6_KFromExplicitScalesAndQuants) {
  std::mt19937 rng(12);
  for (int n_blocks : {1, 2, 5}) {
    std::vector<BlockQ6_K> blocks;
    std::vector<float> expected;
    for (int b = 0; b < n_blocks; ++b) {
      int8_t scale[16];
      uint8_t q[256];
      for (int8_t& s : scale) s = static_cast<int8_t>(rng());
      scale[0] = -128;
      for (uint8_t& v : q) v = static_cast<uint8_t>(rng() % 64);
      q[0] = 0;
      q[255] = 63;
      blocks.push_back(make_q6_k(0.02f * static_cast<float>(b + 1), scale, q));
      const float d = fp16_to_fp32_portable(blocks.back().d);
      for (int i = 0; i < 256; ++i) {
        expected.push_back(d * static_cast<float>(scale[i / 16]) * static_cast<float>(q[i] - 32));
      }
    }
    const auto out = dequantize_unaligned(GgmlType::kQ6_K, blocks.data(), 256 * n_blocks);
    for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "value " << i;
  }
}

TEST(Dequantize, RefusesUnsupportedTypesAndPartialBlocks) {
  std::vector<uint8_t> bytes(1024, 0);
  std::vector<float> out(512, 1.0f);
  EXPECT_FALSE(dequantize_row(GgmlType::kQ5_K, bytes.data(), out.data(), 256));
  EXPECT_FALSE(dequantize_row(GgmlType::kQ4_K, bytes.data(), out.data(), 255));
  EXPECT_FALSE(dequantize_row(GgmlType::kQ8_0, bytes.data(), out.data(), 33));
  EXPECT_EQ(out[0], 1.0f);  // nothing written
}

}  // namespace
}  // namespace earshot::model
