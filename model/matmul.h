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
//   otherwise (batched prefill): the weight rows are cut into a few shares
//       per pool thread; each share is one single-threaded cblas_sgemm, straight
//       on the mapped weights for F32, or block by block (kBlockFloats floats)
//       through the share's own dequantization scratch. The activations stay
//       float32, so prefill of a quantized model differs from its decode by
//       the decode path's 8-bit activation rounding.
//
// Why the pool and not OpenBLAS's threads: OpenBLAS's OpenMP workers spin
// while they wait, and beside the pool's workers (or any other busy process
// on a desktop) two spinning thread sets on two cores made prefill up to five
// times slower. The pool's chunk claiming lets the caller finish a share that
// a late worker has not started, so a loaded machine costs one thread's speed
// at worst. The session therefore runs OpenBLAS with one thread.
//
// Hot path contract: never throws or allocates after construction.
// Thread contract: owned by the session thread.
#pragma once

#include <cstdint>
#include <vector>

#include "model/parallel.h"
#include "model/quant_kernels.h"

namespace earshot::model {

class Matmul {
 public:
  static constexpr int64_t kMatvecMaxRows = 1;
  // Dequantized weights per sgemm call, at most (8 MiB): each call packs all of
  // x again, so a block must be many rows for that to pay off.
  static constexpr int64_t kBlockFloats = 1 << 21;
  static constexpr int64_t kSharesPerThread = 2;     // slack for a thread that starts late

  Matmul(ThreadPool& pool, int64_t max_cols);

  // y [n, w.n_rows] = x [n, w.n_cols] · Wᵀ; w.n_cols <= max_cols.
  void run(const WeightMatrix& w, const float* x, int64_t n, float* y);

  // Forces one path, for tests and benchmarks.
  void run_matvec(const WeightMatrix& w, const float* x, int64_t n, float* y);
  void run_sgemm(const WeightMatrix& w, const float* x, int64_t n, float* y);

 private:
  ThreadPool& pool_;
  // Rows [begin, end) of y = x · Wᵀ, dequantizing block_rows rows of W at a
  // time into scratch.
  void sgemm_rows(const WeightMatrix& w, const float* x, int64_t n, float* y, int64_t begin, int64_t end,
                  int64_t block_rows, float* scratch);

  MatvecInput input_;
  int64_t n_shares_;
  std::vector<float> scratch_;  // dequantized weights, one block per share; grows to the largest needed
};

}  // namespace earshot::model
