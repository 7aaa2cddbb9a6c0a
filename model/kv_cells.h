// Which cells a KV cache holds and at which positions: the bookkeeping of
// KvCache, kept apart from the tensor storage (as llama.cpp does).
//
// The cache holds one sequence. Its cells are listed in the order they were
// written, positions strictly increasing. Each cell has a serial number (its
// write count), so that
//   - full-attention layers store cell i of the list in row i (compact: an
//     eviction moves the later rows down), capacity n_ctx rows;
//   - sliding-window layers store the cell with serial s in ring slot
//     s % n_ring; a slot is overwritten n_ring writes later, so the ring holds
//     the last n_ring serials. Serials of rolled-back cells are reused.
//
// A batch is prepared (checked, nothing changes), then applied:
//   KvPlan plan;
//   if (cells.prepare(pos, n, &plan) != KvStatus::kOk) ...  // cache untouched
//   cells.apply(plan);                                        // cannot fail
//
// Positions of kept cells never change: RoPE was applied to their keys when
// they were written, and new tokens continue with increasing positions.
//
// Thread contract: owned by one thread (the session's).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace earshot::model {

enum class KvStatus {
  kOk,
  kFull,            // full-attention rows exhausted: evict or roll back first
  kBatchTooLarge,   // more tokens than one batch may hold (ring would overwrite keys it needs)
  kBadPosition,     // positions must increase past the last cell's
  kRollbackTooFar,  // the sliding layers no longer hold the keys the position needs
  kBadRange,        // an eviction range that is empty or not before the end
};

const char* kv_status_name(KvStatus status);

struct KvCell {
  int32_t pos = 0;
  int64_t serial = 0;
};

struct KvPlan {
  int32_t first_pos = 0;
  int32_t n_tokens = 0;
  int64_t first_row = 0;     // full layers: row of the first new cell
  int64_t first_serial = 0;  // sliding layers: serial of the first new cell
};

class KvCells {
 public:
  // n_ctx: rows of full-attention layers. n_ring: slots of sliding layers (0
  // when the model has none); window: the sliding window (q - k < window).
  KvCells(int32_t n_ctx, int32_t n_ring, int32_t window);

  KvStatus prepare(int32_t first_pos, int32_t n_tokens, KvPlan* plan) const;
  void apply(const KvPlan& plan);

  // Keeps the cells with pos < n_pos. Refused (nothing changes) when a kept
  // cell inside the window of position n_pos was overwritten in the ring.
  KvStatus rollback(int32_t n_pos);

  // Drops the cells with keep_until <= pos < drop_until (for example, all but
  // an instruction prefix and the recent past). On success *first_row and
  // *n_rows say which rows of full layers to remove (the storage moves the
  // later rows down by n_rows). Refused when the range holds no cell or
  // reaches the last cell.
  KvStatus evict(int32_t keep_until, int32_t drop_until, int64_t* first_row, int64_t* n_rows);

  // Every cell, oldest first; cells()[i] lives in row i of full layers.
  std::span<const KvCell> cells() const { return cells_; }
  // The cells sliding layers still hold (a suffix of cells()).
  std::span<const KvCell> ring_cells() const;
  int64_t ring_slot(int64_t serial) const { return serial % n_ring_; }

  int32_t n_ctx() const { return n_ctx_; }
  int32_t n_ring() const { return n_ring_; }
  int32_t window() const { return window_; }
  bool empty() const { return cells_.empty(); }
  int32_t last_pos() const { return cells_.empty() ? -1 : cells_.back().pos; }
  // Largest batch prepare() accepts.
  int32_t max_batch() const;

 private:
  size_t first_in_ring() const;

  int32_t n_ctx_;
  int32_t n_ring_;
  int32_t window_;
  std::vector<KvCell> cells_;
  int64_t next_serial_ = 0;
  int64_t lost_below_ = 0;  // serials below this were overwritten in the ring
};

}  // namespace earshot::model
