#include "model/matmul.h"

#include <cblas.h>

#include <algorithm>

namespace earshot::model {
namespace {

// Shares thinner than this make sgemm's packing cost more than it saves.
constexpr int64_t kMinRowsPerShare = 32;

}  // namespace

Matmul::Matmul(ThreadPool& pool, int64_t max_cols)
    : pool_(pool), n_shares_(pool.n_threads() * kSharesPerThread) {
  input_.reserve(max_cols);
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
  const int64_t per_share = std::max(kMinRowsPerShare, (w.n_rows + n_shares_ - 1) / n_shares_);
  const int64_t n_used = (w.n_rows + per_share - 1) / per_share;
  const int64_t block_rows = std::min(per_share, std::max<int64_t>(1, kBlockFloats / w.n_cols));
  const auto scratch_floats = static_cast<size_t>(w.type == GgmlType::kF32 ? 0 : block_rows * w.n_cols);
  if (scratch_.size() < scratch_floats * static_cast<size_t>(n_used)) {
    scratch_.resize(scratch_floats * static_cast<size_t>(n_used));
  }
  pool_.parallel_for(n_used, [&](int64_t share_begin, int64_t share_end) {
    for (int64_t s = share_begin; s < share_end; ++s) {
      sgemm_rows(w, x, n, y, s * per_share, std::min(w.n_rows, (s + 1) * per_share), block_rows,
                 scratch_.data() + static_cast<size_t>(s) * scratch_floats);
    }
  });
}

void Matmul::sgemm_rows(const WeightMatrix& w, const float* x, int64_t n, float* y, int64_t begin, int64_t end,
                        int64_t block_rows, float* scratch) {
  const auto m = static_cast<blasint>(n), k = static_cast<blasint>(w.n_cols), ldc = static_cast<blasint>(w.n_rows);
  if (w.type == GgmlType::kF32) {
    const float* rows = static_cast<const float*>(w.data) + begin * w.n_cols;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, static_cast<blasint>(end - begin), k, 1.0f, x, k, rows, k,
                0.0f, y + begin, ldc);
    return;
  }
  for (int64_t r0 = begin; r0 < end; r0 += block_rows) {
    const int64_t rows = std::min(block_rows, end - r0);
    for (int64_t r = 0; r < rows; ++r) {
      const auto* src = static_cast<const uint8_t*>(w.data) + (r0 + r) * w.row_stride;
      dequantize_row(w.type, src, scratch + r * w.n_cols, w.n_cols);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, static_cast<blasint>(rows), k, 1.0f, x, k, scratch, k,
                0.0f, y + r0, ldc);
  }
}

}  // namespace earshot::model
