// Scaled-dot-product attention of a batch of queries over the KV cache of one
// layer: softmax(q·kᵀ · 1.0 + mask) · v with grouped-query heads. Gemma 4
// uses scale 1.0 (its q and k are RMS-normed) and no attention soft-cap.
//
// Query i of the batch sits at position first_pos + i and sees the cells with
// pos <= its position and, on sliding layers, position - pos < window. The
// batch's own keys must already be in the cache.
//
// Thread contract: attend() is called by the session thread; it splits the
// (query, head) pairs over the pool, one scratch row per pool thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/kv_cells.h"
#include "model/parallel.h"

namespace earshot::model {

struct AttentionInput {
  const float* q = nullptr;  // [n_tokens, n_head * head_dim]
  int32_t n_tokens = 0;
  int32_t first_pos = 0;
  int n_head = 0;
  int n_kv_head = 0;
  int head_dim = 0;
  int32_t window = 0;              // 0: full causal
  std::span<const KvCell> cells;   // candidate cells, positions increasing
  int64_t n_ring = 0;              // > 0: row of a cell = serial % n_ring; else its index in cells
  const float* k = nullptr;        // [rows, n_kv_head * head_dim]
  const float* v = nullptr;        // [rows, n_kv_head * head_dim]
};

class AttentionScratch {
 public:
  // Room for n_threads pool threads and up to max_cells candidate cells.
  AttentionScratch(int n_threads, int64_t max_cells);
  float* scores(int thread) { return scores_[static_cast<size_t>(thread)].data(); }
  int64_t* offsets() { return offsets_.data(); }
  int n_threads() const { return static_cast<int>(scores_.size()); }

 private:
  std::vector<std::vector<float>> scores_;
  std::vector<int64_t> offsets_;  // per candidate cell: first float of its row in k and v
};

// out: [n_tokens, n_head * head_dim]
void attend(const AttentionInput& in, float* out, AttentionScratch& scratch, ThreadPool& pool);

// One query head over cells [begin, end) of in.cells, whose rows start at
// offsets[c] floats into in.k and in.v: the definition that attend() runs per
// (query, head). scores: room for end - begin floats.
void attend_one(const AttentionInput& in, const int64_t* offsets, const float* q_head, int kv_head, size_t begin,
                size_t end, float* scores, float* out_head);

}  // namespace earshot::model
