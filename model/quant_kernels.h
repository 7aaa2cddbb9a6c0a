// Matrix-vector products straight from stored weights: y = W x with W in any
// supported ggml type, without dequantizing W. This is single-token decode's
// hot spot.
//
//   MatvecInput input;                 // per session: reusable scratch
//   input.reserve(n_embd_max);         // at start-up, so decode never allocates
//   ThreadPool pool(2);
//   matvec(weight_matrix(file.tensor("blk.0.ffn_up.weight")), x, y, input, pool);
//
// x is prepared once per call (copied for F32/F16/BF16, quantized to 8-bit
// blocks for Q8_0/Q4_0/Q4_K/Q6_K); then each row's dot product runs in the
// row kernels of quant_dot.h, rows split over the pool.
//
// Hot path contract: nothing here throws or allocates once reserve() covered
// the widest input; a type without a kernel yields NaN outputs (check
// supports_matvec at start-up).
// Thread contract: a MatvecInput is owned by one caller; matvec_rows may run
// concurrently on disjoint row ranges with the same prepared input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/ggml_types.h"
#include "model/parallel.h"
#include "model/quant_blocks.h"

namespace earshot::model {

struct GgufTensor;

// n_rows rows of n_cols values; row r starts at data + r * row_stride bytes.
struct WeightMatrix {
  GgmlType type = GgmlType::kF32;
  const void* data = nullptr;
  int64_t n_rows = 0;
  int64_t n_cols = 0;
  size_t row_stride = 0;
};

// A tensor as a matrix of ne[1]*ne[2]*ne[3] rows of ne[0] values.
WeightMatrix weight_matrix(const GgufTensor& tensor);

bool supports_matvec(GgmlType type);

// The input vector prepared for one weight type.
class MatvecInput {
 public:
  // Allocates for inputs of up to n_cols values of any type.
  void reserve(int64_t n_cols);

  // Prepares x[0..n) for weights of `type` (n a multiple of its block size).
  void prepare(GgmlType type, const float* x, int64_t n);

  GgmlType type() const { return type_; }
  int64_t size() const { return n_; }
  const float* floats() const { return floats_.data(); }
  const ActBlock32* blocks32() const { return blocks32_.data(); }
  const ActBlock256* blocks256() const { return blocks256_.data(); }

 private:
  GgmlType type_ = GgmlType::kF32;
  int64_t n_ = 0;
  std::vector<float> floats_;
  std::vector<ActBlock32> blocks32_;
  std::vector<ActBlock256> blocks256_;
};

// y[r] = dot(row r of w, x) for r in [row_begin, row_end); x was prepared for
// w.type with w.n_cols values. Writes y[row_begin .. row_end) only.
void matvec_rows(const WeightMatrix& w, const MatvecInput& x, float* y, int64_t row_begin, int64_t row_end);

// y[0 .. w.n_rows) = W x, x of w.n_cols values; rows split over `pool`.
void matvec(const WeightMatrix& w, const float* x, float* y, MatvecInput& scratch, ThreadPool& pool);

}  // namespace earshot::model
