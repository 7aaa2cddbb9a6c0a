// The matvec kernels: each SIMD row kernel against its scalar reference at odd
// sizes and misaligned addresses, and matvec against a float product of the
// dequantized weights within the bound the 8-bit activations allow.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "model/float16.h"
#include "model/ggml_types.h"
#include "model/gguf_file.h"
#include "model/quant_dot.h"
#include "model/quant_kernels.h"

namespace earshot::model {
namespace {

constexpr GgmlType kAllTypes[] = {GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ8_0,
                                  GgmlType::kQ4_0, GgmlType::kQ4_K, GgmlType::kQ6_K};

// Rows of random but valid bytes of `type`: any bit pattern is a valid quant;
// the f16 scales are set to moderate values so nothing overflows.
std::vector<uint8_t> random_rows(GgmlType type, int64_t n_rows, int64_t n_cols, std::mt19937& rng) {
  const size_t stride = row_bytes(type, n_cols);
  std::vector<uint8_t> bytes(stride * static_cast<size_t>(n_rows));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const auto put_half = [&](size_t at, float v) {
    const uint16_t h = fp32_to_fp16_portable(v);
    std::memcpy(bytes.data() + at, &h, 2);
  };
  const int64_t n_values = n_rows * n_cols;
  switch (type) {
    case GgmlType::kF32:
      for (int64_t i = 0; i < n_values; ++i) {
        const float v = normal(rng);
        std::memcpy(bytes.data() + 4 * i, &v, 4);
      }
      break;
    case GgmlType::kF16:
      for (int64_t i = 0; i < n_values; ++i) put_half(2 * i, normal(rng));
      break;
    case GgmlType::kBF16:
      for (int64_t i = 0; i < n_values; ++i) {
        const uint16_t h = fp32_to_bf16(normal(rng));
        std::memcpy(bytes.data() + 2 * i, &h, 2);
      }
      break;
    case GgmlType::kQ8_0:
      for (size_t at = 0; at < bytes.size(); at += sizeof(BlockQ8_0)) put_half(at, scale(rng));
      break;
    case GgmlType::kQ4_0:
      for (size_t at = 0; at < bytes.size(); at += sizeof(BlockQ4_0)) put_half(at, scale(rng));
      break;
    case GgmlType::kQ4_K:
      for (size_t at = 0; at < bytes.size(); at += sizeof(BlockQ4_K)) {
        put_half(at + offsetof(BlockQ4_K, d), scale(rng));
        put_half(at + offsetof(BlockQ4_K, dmin), scale(rng));
      }
      break;
    case GgmlType::kQ6_K:
      for (size_t at = 0; at < bytes.size(); at += sizeof(BlockQ6_K)) put_half(at + offsetof(BlockQ6_K, d), scale(rng));
      break;
    default:
      break;
  }
  return bytes;
}

std::vector<float> random_vector(int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = normal(rng);
  if (n > 40) std::fill(x.begin() + 32, x.begin() + 40, 0.0f);  // an all-zero stretch
  return x;
}

// A copy of `bytes` starting `shift` bytes past a 64-byte boundary.
class Misaligned {
 public:
  Misaligned(const void* src, size_t n, size_t shift) : storage_(n + 64 + shift) {
    const auto base = reinterpret_cast<uintptr_t>(storage_.data());
    const size_t pad = (64 - base % 64) % 64 + shift;
    data_ = storage_.data() + pad;
    std::memcpy(data_, src, n);
  }
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data_);
  }

 private:
  std::vector<uint8_t> storage_;
  uint8_t* data_;
};

int64_t block_size(GgmlType type) { return type_traits(type).block_size; }

std::vector<int64_t> column_counts(GgmlType type) {
  const int64_t block = block_size(type);
  if (block == 1) return {1, 7, 8, 33, 100, 1001};
  return {block, 3 * block, 7 * block, 8 * block};
}

// One row's SIMD and reference results, from addresses misaligned by `shift`.
std::pair<float, float> both_dots(GgmlType type, const uint8_t* row, int64_t n, const std::vector<float>& x,
                                  size_t shift) {
  const size_t n_bytes = row_bytes(type, n);
  const Misaligned w(row, n_bytes, type == GgmlType::kF32 ? 4 * shift : (block_size(type) == 1 ? 2 * shift : shift));
  const Misaligned xs(x.data(), x.size() * sizeof(float), 4 * shift);
  switch (type) {
    case GgmlType::kF32:
      return {kernels::dot_f32(w.as<float>(), xs.as<float>(), n), kernels::reference::dot_f32(w.as<float>(), xs.as<float>(), n)};
    case GgmlType::kF16:
      return {kernels::dot_f16(w.as<uint16_t>(), xs.as<float>(), n),
              kernels::reference::dot_f16(w.as<uint16_t>(), xs.as<float>(), n)};
    case GgmlType::kBF16:
      return {kernels::dot_bf16(w.as<uint16_t>(), xs.as<float>(), n),
              kernels::reference::dot_bf16(w.as<uint16_t>(), xs.as<float>(), n)};
    case GgmlType::kQ8_0:
    case GgmlType::kQ4_0: {
      std::vector<ActBlock32> act(static_cast<size_t>(n / 32)), act_ref(act.size());
      kernels::quantize_act32(x.data(), act.data(), n);
      kernels::reference::quantize_act32(x.data(), act_ref.data(), n);
      EXPECT_EQ(std::memcmp(act.data(), act_ref.data(), act.size() * sizeof(ActBlock32)), 0);
      const Misaligned a(act.data(), act.size() * sizeof(ActBlock32), 4 * shift);
      if (type == GgmlType::kQ8_0) {
        return {kernels::dot_q8_0(w.as<BlockQ8_0>(), a.as<ActBlock32>(), n / 32),
                kernels::reference::dot_q8_0(w.as<BlockQ8_0>(), a.as<ActBlock32>(), n / 32)};
      }
      return {kernels::dot_q4_0(w.as<BlockQ4_0>(), a.as<ActBlock32>(), n / 32),
              kernels::reference::dot_q4_0(w.as<BlockQ4_0>(), a.as<ActBlock32>(), n / 32)};
    }
    case GgmlType::kQ4_K:
    case GgmlType::kQ6_K: {
      std::vector<ActBlock256> act(static_cast<size_t>(n / 256)), act_ref(act.size());
      kernels::quantize_act256(x.data(), act.data(), n);
      kernels::reference::quantize_act256(x.data(), act_ref.data(), n);
      EXPECT_EQ(std::memcmp(act.data(), act_ref.data(), act.size() * sizeof(ActBlock256)), 0);
      const Misaligned a(act.data(), act.size() * sizeof(ActBlock256), 4 * shift);
      if (type == GgmlType::kQ4_K) {
        return {kernels::dot_q4_k(w.as<BlockQ4_K>(), a.as<ActBlock256>(), n / 256),
                kernels::reference::dot_q4_k(w.as<BlockQ4_K>(), a.as<ActBlock256>(), n / 256)};
      }
      return {kernels::dot_q6_k(w.as<BlockQ6_K>(), a.as<ActBlock256>(), n / 256),
              kernels::reference::dot_q6_k(w.as<BlockQ6_K>(), a.as<ActBlock256>(), n / 256)};
    }
    default:
      return {NAN, NAN};
  }
}

// sum |w_i x_i| of one row, the scale of float rounding differences.
double l1_of_products(GgmlType type, const uint8_t* row, const std::vector<float>& x) {
  std::vector<float> w(x.size());
  EXPECT_TRUE(dequantize_row(type, row, w.data(), static_cast<int64_t>(x.size())));
  double l1 = 0.0;
  for (size_t i = 0; i < x.size(); ++i) l1 += std::fabs(static_cast<double>(w[i]) * x[i]);
  return l1;
}

TEST(QuantKernels, SimdMatchesReferenceAtOddSizesAndAlignments) {
  std::mt19937 rng(21);
  for (GgmlType type : kAllTypes) {
    for (int64_t n : column_counts(type)) {
      const int64_t n_rows = 3;
      const auto rows = random_rows(type, n_rows, n, rng);
      const auto x = random_vector(n, rng);
      for (int64_t r = 0; r < n_rows; ++r) {
        const uint8_t* row = rows.data() + static_cast<size_t>(r) * row_bytes(type, n);
        const double l1 = l1_of_products(type, row, x);
        for (size_t shift : {0, 1, 3}) {
          const auto [simd, reference] = both_dots(type, row, n, x, shift);
          ASSERT_TRUE(std::isfinite(simd)) << type_name(type);
          ASSERT_NEAR(simd, reference, 1e-5 * l1 + 1e-6)
              << type_name(type) << " n=" << n << " row=" << r << " shift=" << shift;
        }
      }
    }
  }
}

// What a float matvec of the dequantized weights gives, and how far the 8-bit
// activations may move each row: sum over blocks of (d_x / 2) * sum |w|.
struct FloatResult {
  std::vector<double> y;
  std::vector<double> bound;
};

FloatResult float_matvec(GgmlType type, const std::vector<uint8_t>& rows, int64_t n_rows, int64_t n,
                         const std::vector<float>& x) {
  FloatResult out{std::vector<double>(static_cast<size_t>(n_rows)), std::vector<double>(static_cast<size_t>(n_rows))};
  const int64_t act_block = (type == GgmlType::kQ4_K || type == GgmlType::kQ6_K) ? 256
                            : (type == GgmlType::kQ8_0 || type == GgmlType::kQ4_0) ? 32 : 0;
  std::vector<float> w(static_cast<size_t>(n));
  for (int64_t r = 0; r < n_rows; ++r) {
    dequantize_row(type, rows.data() + static_cast<size_t>(r) * row_bytes(type, n), w.data(), n);
    double y = 0.0, l1 = 0.0, bound = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      y += static_cast<double>(w[i]) * x[i];
      l1 += std::fabs(static_cast<double>(w[i]) * x[i]);
    }
    if (act_block > 0) {
      for (int64_t b = 0; b < n / act_block; ++b) {
        double amax = 0.0, wsum = 0.0;
        for (int64_t i = b * act_block; i < (b + 1) * act_block; ++i) {
          amax = std::max(amax, static_cast<double>(std::fabs(x[i])));
          wsum += std::fabs(w[i]);
        }
        bound += amax / 127.0 / 2.0 * wsum;
      }
    }
    out.y[r] = y;
    out.bound[r] = bound * 1.001 + 1e-5 * l1 + 1e-6;
  }
  return out;
}

TEST(QuantKernels, MatvecMatchesFloatProductWithinActivationRounding) {
  std::mt19937 rng(5);
  ThreadPool pool(2);
  MatvecInput input;
  for (GgmlType type : kAllTypes) {
    for (int64_t n_rows : {1, 13, 67}) {
      const int64_t n = 3 * block_size(type) * (block_size(type) == 1 ? 37 : 1);
      const auto rows = random_rows(type, n_rows, n, rng);
      const auto x = random_vector(n, rng);
      const WeightMatrix w{type, rows.data(), n_rows, n, row_bytes(type, n)};
      std::vector<float> y(static_cast<size_t>(n_rows) + 1, -7.0f);
      matvec(w, x.data(), y.data(), input, pool);
      EXPECT_EQ(y.back(), -7.0f) << "wrote past the last row";
      const FloatResult expected = float_matvec(type, rows, n_rows, n, x);
      for (int64_t r = 0; r < n_rows; ++r) {
        ASSERT_NEAR(y[r], expected.y[r], expected.bound[r]) << type_name(type) << " rows=" << n_rows << " r=" << r;
      }
    }
  }
}

TEST(QuantKernels, ThreadCountDoesNotChangeResults) {
  std::mt19937 rng(8);
  for (GgmlType type : kAllTypes) {
    const int64_t n_rows = 101, n = 2 * 256;
    const auto rows = random_rows(type, n_rows, n, rng);
    const auto x = random_vector(n, rng);
    const WeightMatrix w{type, rows.data(), n_rows, n, row_bytes(type, n)};
    MatvecInput input;
    input.prepare(type, x.data(), n);
    std::vector<float> expected(n_rows);
    matvec_rows(w, input, expected.data(), 0, n_rows);
    for (int n_threads : {1, 2, 3}) {
      ThreadPool pool(n_threads);
      MatvecInput scratch;
      std::vector<float> y(n_rows);
      matvec(w, x.data(), y.data(), scratch, pool);
      ASSERT_EQ(std::memcmp(y.data(), expected.data(), y.size() * sizeof(float)), 0)
          << type_name(type) << " threads=" << n_threads;
    }
  }
}

TEST(QuantKernels, ZeroInputGivesZeroAndUnsupportedTypesGiveNaN) {
  std::mt19937 rng(9);
  ThreadPool pool(1);
  MatvecInput input;
  const std::vector<float> zeros(256, 0.0f);
  for (GgmlType type : kAllTypes) {
    const auto rows = random_rows(type, 4, 256, rng);
    std::vector<float> y(4, 1.0f);
    matvec(WeightMatrix{type, rows.data(), 4, 256, row_bytes(type, 256)}, zeros.data(), y.data(), input, pool);
    for (float v : y) EXPECT_EQ(v, 0.0f) << type_name(type);
  }
  EXPECT_FALSE(supports_matvec(GgmlType::kQ5_K));
  std::vector<uint8_t> q5(176 * 2, 0);
  std::vector<float> y(2, 0.0f);
  matvec(WeightMatrix{GgmlType::kQ5_K, q5.data(), 2, 256, 176}, zeros.data(), y.data(), input, pool);
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
}

TEST(QuantKernels, WeightMatrixViewsATensorAsRows) {
  GgufTensor t;
  t.type = GgmlType::kQ4_K;
  t.n_dims = 3;
  t.ne = {512, 3, 2, 1};
  static const uint8_t data[1] = {};
  t.data = data;
  const WeightMatrix w = weight_matrix(t);
  EXPECT_EQ(w.n_cols, 512);
  EXPECT_EQ(w.n_rows, 6);
  EXPECT_EQ(w.row_stride, 2u * 144u);
  EXPECT_EQ(w.data, data);
}

}  // namespace
}  // namespace earshot::model
