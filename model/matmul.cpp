#include "model/matmul.h"

#include <cblas.h>

#include <algorithm>

namespace earshot::model {
namespace {

constexpr int64_t kMinDequantRowsPerThread = 8;

}  // namespace

Matmul::Matmul(ThreadPool& pool, int64_t max_cols) : pool_(pool) {
  input_.reserve(max_cols);
  block_.resize(static_cast<size_t>(std::max<int64_t>(kBlockFloats, max_cols)));
}

void Matmul::run(const WeightMatrix& w, const float* x, int64_t n, float* y) {
  if (n <= kMatvecMaxRows) {
    run_matvec(w, x, n, y);
  } else {
    run_sgemm(w, x, n, y);
  }
}

void Matmul::run_matvec(const WeightMatrix& w, const float* x, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) matvec(w, x + i * w.n_cols, y + i * w.n_rows, input_, pool_);
}

void Matmul::run_sgemm(const WeightMatrix& w, const float* x, int64_t n, float* y) {
  const auto m = static_cast<blasint>(n), k = static_cast<blasint>(w.n_cols), ldc = static_cast<blasint>(w.n_rows);
  if (w.type == GgmlType::kF32) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, ldc, k, 1.0f, x, k, static_cast<const float*>(w.data), k,
                0.0f, y, ldc);
    return;
  }
  const int64_t block_rows = std::max<int64_t>(1, static_cast<int64_t>(block_.size()) / w.n_cols);
  for (int64_t r0 = 0; r0 < w.n_rows; r0 += block_rows) {
    const int64_t rows = std::min(block_rows, w.n_rows - r0);
    pool_.parallel_for(
        rows,
        [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const auto* src = static_cast<const uint8_t*>(w.data) + (r0 + r) * w.row_stride;
            dequantize_row(w.type, src, block_.data() + r * w.n_cols, w.n_cols);
          }
        },
        kMinDequantRowsPerThread);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, static_cast<blasint>(rows), k, 1.0f, x, k, block_.data(),
                k, 0.0f, y + r0, ldc);
  }
}

}  // namespace earshot::model
