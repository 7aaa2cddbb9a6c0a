// Matmul's two paths on the same weights: the matvec kernels (decode) and
// dequantize + cblas_sgemm (prefill), against a double-precision product of
// the dequantized weights, for every supported storage type.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "model/float16.h"
#include "model/matmul.h"
#include "model/quant_blocks.h"

namespace earshot::model {
namespace {

// Random rows of `type`: random payload bytes with sane f16 scales.
std::vector<uint8_t> random_rows(GgmlType type, int64_t n_rows, int64_t n_cols, std::mt19937& rng) {
  std::vector<uint8_t> bytes(row_bytes(type, n_cols) * static_cast<size_t>(n_rows));
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(byte(rng));
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  const auto set_f16 = [](uint8_t* at, float v) {
    const uint16_t h = fp32_to_fp16(v);
    std::memcpy(at, &h, 2);
  };
  const size_t block = type_traits(type).type_size;
  for (size_t at = 0; at < bytes.size(); at += block) {
    switch (type) {
      case GgmlType::kF32: {
        const float v = scale(rng) * (byte(rng) - 128) / 16.0f;
        std::memcpy(&bytes[at], &v, 4);
        break;
      }
      case GgmlType::kF16:
      case GgmlType::kBF16: {
        const float v = scale(rng) * (byte(rng) - 128) / 16.0f;
        const uint16_t h = type == GgmlType::kF16 ? fp32_to_fp16(v) : fp32_to_bf16(v);
        std::memcpy(&bytes[at], &h, 2);
        break;
      }
      case GgmlType::kQ8_0:
      case GgmlType::kQ4_0: set_f16(&bytes[at], scale(rng)); break;
      case GgmlType::kQ4_K:
        set_f16(&bytes[at], scale(rng));
        set_f16(&bytes[at + 2], scale(rng));
        break;
      case GgmlType::kQ6_K: set_f16(&bytes[at + offsetof(BlockQ6_K, d)], scale(rng) / 8); break;
      default: break;
    }
  }
  return bytes;
}

class MatmulPaths : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatmulPaths, MatvecAndSgemmAgreeWithDoubleReference) {
  const GgmlType type = GetParam();
  constexpr int64_t kRows = 301, kCols = 512, kBatch = 5;  // 301: a ragged last share
  std::mt19937 rng(5);
  const std::vector<uint8_t> bytes = random_rows(type, kRows, kCols, rng);
  const WeightMatrix w{type, bytes.data(), kRows, kCols, row_bytes(type, kCols)};
  std::vector<float> x(kBatch * kCols);
  std::normal_distribution<float> normal;
  for (float& v : x) v = normal(rng);

  std::vector<float> dense(kRows * kCols);
  for (int64_t r = 0; r < kRows; ++r) {
    ASSERT_TRUE(dequantize_row(type, bytes.data() + r * w.row_stride, dense.data() + r * kCols, kCols));
  }
  std::vector<double> ref(kBatch * kRows);
  double max_ref = 0;
  for (int64_t i = 0; i < kBatch; ++i) {
    for (int64_t r = 0; r < kRows; ++r) {
      double s = 0;
      for (int64_t c = 0; c < kCols; ++c) s += static_cast<double>(dense[r * kCols + c]) * x[i * kCols + c];
      ref[i * kRows + r] = s;
      max_ref = std::max(max_ref, std::abs(s));
    }
  }

  ThreadPool pool(2);
  Matmul mm(pool, kCols);
  std::vector<float> by_matvec(kBatch * kRows), by_sgemm(kBatch * kRows);
  mm.run_matvec(w, x.data(), kBatch, by_matvec.data());
  mm.run_sgemm(w, x.data(), kBatch, by_sgemm.data());
  double err_matvec = 0, err_sgemm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    err_matvec = std::max(err_matvec, std::abs(by_matvec[i] - ref[i]) / max_ref);
    err_sgemm = std::max(err_sgemm, std::abs(by_sgemm[i] - ref[i]) / max_ref);
  }
  std::printf("[%s] relative error: matvec %.3g, sgemm %.3g\n", std::string(type_name(type)).c_str(), err_matvec,
              err_sgemm);
  EXPECT_LT(err_sgemm, 1e-5);
  // Float activations for float weights; 8-bit activations for the others.
  const bool float_weights = type == GgmlType::kF32 || type == GgmlType::kF16 || type == GgmlType::kBF16;
  EXPECT_LT(err_matvec, float_weights ? 1e-5 : 2e-2);
}

INSTANTIATE_TEST_SUITE_P(Types, MatmulPaths,
                         ::testing::Values(GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0,
                                           GgmlType::kQ4_0, GgmlType::kQ4_K, GgmlType::kQ6_K),
                         [](const auto& info) { return std::string(type_name(info.param)); });

}  // namespace
}  // namespace earshot::model
