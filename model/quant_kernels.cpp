#include "model/quant_kernels.h"

#include <cstring>
#include <limits>

#include "model/gguf_file.h"
#include "model/quant_dot.h"

namespace earshot::model {
namespace {

// Rows per thread share below which splitting costs more than it saves.
constexpr int64_t kMinRowsPerThread = 16;

template <typename Block>
const Block* row_blocks(const WeightMatrix& w, int64_t r) {
  return reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w.data) + r * w.row_stride);
}

template <typename Row>
const Row* row_values(const WeightMatrix& w, int64_t r) {
  return reinterpret_cast<const Row*>(static_cast<const uint8_t*>(w.data) + r * w.row_stride);
}

}  // namespace

WeightMatrix weight_matrix(const GgufTensor& tensor) {
  return WeightMatrix{tensor.type, tensor.data, tensor.n_rows(), tensor.ne[0],
                      row_bytes(tensor.type, tensor.ne[0])};
}

bool supports_matvec(GgmlType type) {
  return is_supported(type);
}

void MatvecInput::reserve(int64_t n_cols) {
  const auto n = static_cast<size_t>(n_cols);
  if (floats_.size() < n) floats_.resize(n);
  const size_t n32 = (n + 31) / 32, n256 = (n + kSuperBlockSize - 1) / kSuperBlockSize;
  if (blocks32_.size() < n32) blocks32_.resize(n32);
  if (blocks256_.size() < n256) blocks256_.resize(n256);
}

void MatvecInput::prepare(GgmlType type, const float* x, int64_t n) {
  reserve(n);
  type_ = type;
  n_ = n;
  switch (type) {
    case GgmlType::kF32:
    case GgmlType::kF16:
    case GgmlType::kBF16:
      std::memcpy(floats_.data(), x, static_cast<size_t>(n) * sizeof(float));
      break;
    case GgmlType::kQ8_0:
    case GgmlType::kQ4_0:
      kernels::quantize_act32(x, blocks32_.data(), n);
      break;
    case GgmlType::kQ4_K:
    case GgmlType::kQ6_K:
      kernels::quantize_act256(x, blocks256_.data(), n);
      break;
    default:
      break;
  }
}

void matvec_rows(const WeightMatrix& w, const MatvecInput& x, float* y, int64_t row_begin, int64_t row_end) {
  const int64_t n = w.n_cols;
  switch (w.type) {
    case GgmlType::kF32:
      for (int64_t r = row_begin; r < row_end; ++r) y[r] = kernels::dot_f32(row_values<float>(w, r), x.floats(), n);
      return;
    case GgmlType::kF16:
      for (int64_t r = row_begin; r < row_end; ++r) {
        y[r] = kernels::dot_f16(row_values<uint16_t>(w, r), x.floats(), n);
      }
      return;
    case GgmlType::kBF16:
      for (int64_t r = row_begin; r < row_end; ++r) {
        y[r] = kernels::dot_bf16(row_values<uint16_t>(w, r), x.floats(), n);
      }
      return;
    case GgmlType::kQ8_0:
      for (int64_t r = row_begin; r < row_end; ++r) {
        y[r] = kernels::dot_q8_0(row_blocks<BlockQ8_0>(w, r), x.blocks32(), n / kQ8_0BlockSize);
      }
      return;
    case GgmlType::kQ4_0:
      for (int64_t r = row_begin; r < row_end; ++r) {
        y[r] = kernels::dot_q4_0(row_blocks<BlockQ4_0>(w, r), x.blocks32(), n / kQ4_0BlockSize);
      }
      return;
    case GgmlType::kQ4_K:
      for (int64_t r = row_begin; r < row_end; ++r) {
        y[r] = kernels::dot_q4_k(row_blocks<BlockQ4_K>(w, r), x.blocks256(), n / kSuperBlockSize);
      }
      return;
    case GgmlType::kQ6_K:
      for (int64_t r = row_begin; r < row_end; ++r) {
        y[r] = kernels::dot_q6_k(row_blocks<BlockQ6_K>(w, r), x.blocks256(), n / kSuperBlockSize);
      }
      return;
    default:
      for (int64_t r = row_begin; r < row_end; ++r) y[r] = std::numeric_limits<float>::quiet_NaN();
      return;
  }
}

void matvec(const WeightMatrix& w, const float* x, float* y, MatvecInput& scratch, ThreadPool& pool) {
  scratch.prepare(w.type, x, w.n_cols);
  pool.parallel_for(
      w.n_rows, [&](int64_t begin, int64_t end) { matvec_rows(w, scratch, y, begin, end); }, kMinRowsPerThread);
}

}  // namespace earshot::model
