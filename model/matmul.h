// Y = X · Wᵀ for a batch of activation rows and a weight matrix in any
// supported type: the decoder's matrix products.
//
//   Matmul mm(pool, /*max_cols=*/hp.n_ff);
//   mm.run(w.ffn_up, x, n_tokens, up);   // x [n_tokens, n_embd] -> up [n_tokens, n_ff]
//
// How it is computed (the choice is per call):
//   n <= kMatvecMaxRows: one matvec per row with the kernels of
//       quant_kernels.h (quantized weights read in place, activations
//       quantized to 8 bits for Q8_0/Q4_0/K-quants as ggml does) - decode.
//   otherwise, F32 weights: one cblas_sgemm straight on the mapped weights.
//   otherwise: the weights are dequantized block by block (kBlockFloats
//       floats, rows split over the pool) into a scratch block and each block
//       goes through cblas_sgemm - batched prefill. The activations stay
//       float32, so prefill of a quantized model differs from its decode by
//       the decode path's 8-bit activation rounding.
//
// Hot path contract: never throws or allocates after construction.
// Thread contract: owned by the session thread; uses the pool and OpenBLAS's
// own threads (set_blas_threads) one after the other.
#pragma once

#include <cstdint>
#include <vector>

#include "model/parallel.h"
#include "model/quant_kernels.h"

namespace earshot::model {

class Matmul {
 public:
  static constexpr int64_t kMatvecMaxRows = 1;
  static constexpr int64_t kBlockFloats = 1 << 18;  // 1 MiB of dequantized weights per sgemm

  Matmul(ThreadPool& pool, int64_t max_cols);

  // y [n, w.n_rows] = x [n, w.n_cols] · Wᵀ; w.n_cols <= max_cols.
  void run(const WeightMatrix& w, const float* x, int64_t n, float* y);

  // Forces one path, for tests and benchmarks.
  void run_matvec(const WeightMatrix& w, const float* x, int64_t n, float* y);
  void run_sgemm(const WeightMatrix& w, const float* x, int64_t n, float* y);

 private:
  ThreadPool& pool_;
  MatvecInput input_;
  std::vector<float> block_;  // dequantized rows of the current block
};

}  // namespace earshot::model
