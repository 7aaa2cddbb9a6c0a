// The KV cache of one stream: per layer, the normed and rotated keys and the
// normed values of the cells KvCells lists, in float32.
//
//   KvCache cache(model.hparams(), {.n_ctx = 4096, .n_batch = 256, .n_rollback = 256});
//   KvPlan plan;
//   if (cache.cells().prepare(pos, n, &plan) == KvStatus::kOk) {
//     cache.apply(plan);                 // bookkeeping first; the forward pass then
//     cache.write(layer, plan, i, k, v); // fills the new rows of every layer
//   }
//   cache.rollback(n_pos);               // cheap: moves the end
//   KvCache snapshot = cache.copy();     // explicit deep copy
//
// Layout: full-attention layers hold n_ctx rows (one per listed cell, in list
// order); sliding layers hold rings of n_ring = window - 1 + n_batch +
// n_rollback slots, enough for a batch of n_batch tokens whose first query
// still sees its whole window, plus n_rollback tokens that a later rollback
// may discard (speculative decoding after the audio). A row holds n_kv_head *
// head_dim floats, heads contiguous.
//
// Bounded memory for an endless stream: when the full layers fill up, evict()
// drops an old range of positions (for example everything between the
// instruction prefix and the last minute). The kept keys keep their positions
// (RoPE is already in them); new tokens continue with increasing positions, so
// relative distances to the kept prefix keep growing.
//
// Thread contract: owned by one thread (the session's); copy() is the only
// way to duplicate one.
#pragma once

#include <cstdint>
#include <vector>

#include "model/kv_cells.h"
#include "model/text_hparams.h"

namespace earshot::model {

// The rows of some consecutive cells in every layer, copied out, so that a
// rolled-back stretch can be written back at the same positions without
// running the model again (a beam search moving between its hypotheses).
struct KvRows {
  int32_t n = 0;
  std::vector<float> k, v;  // layer after layer, each [n, row_size]
  size_t bytes() const { return (k.size() + v.size()) * sizeof(float); }
};

struct KvCacheParams {
  int32_t n_ctx = 4096;       // rows of full-attention layers (cells in the sequence)
  int32_t n_batch = 256;      // most tokens one forward pass appends
  int32_t n_rollback = 256;   // tokens a rollback may discard and still be valid
};

class KvCache {
 public:
  KvCache(const TextHparams& hp, const KvCacheParams& params);

  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;
  KvCache copy() const;

  const KvCells& cells() const { return cells_; }

  // Bookkeeping of a prepared batch; then write() its rows in every layer.
  void apply(const KvPlan& plan) { cells_.apply(plan); }

  // Writes token i of the plan: k and v of n_kv_head * head_dim floats.
  void write(int layer, const KvPlan& plan, int32_t i, const float* k, const float* v);

  KvStatus rollback(int32_t n_pos) { return cells_.rollback(n_pos); }

  // The rows of the last n cells (kBadRange when there are fewer, or their
  // positions are not consecutive).
  KvStatus copy_last(int32_t n, KvRows* out) const;
  // Appends rows copied out before as new cells at first_pos, first_pos + 1, ...
  // (prepared like a batch: refused as a whole, nothing changed).
  KvStatus append(int32_t first_pos, const KvRows& rows);
  KvStatus evict(int32_t keep_until, int32_t drop_until);

  // Rows of a layer: the row of cells()[i] is full_row(i) (full layers), the
  // row of a cell of ring_cells() is ring_slot(serial) (sliding layers).
  const float* keys(int layer) const { return layers_[static_cast<size_t>(layer)].k.data(); }
  const float* values(int layer) const { return layers_[static_cast<size_t>(layer)].v.data(); }
  int64_t row_size(int layer) const { return layers_[static_cast<size_t>(layer)].row_size; }
  bool sliding(int layer) const { return layers_[static_cast<size_t>(layer)].sliding; }
  size_t bytes() const;

 private:
  KvCache(KvCells cells) : cells_(std::move(cells)) {}

  struct LayerStore {
    bool sliding = false;
    int64_t row_size = 0;    // n_kv_head * head_dim
    std::vector<float> k;    // [n_rows, row_size]
    std::vector<float> v;    // [n_rows, row_size]
  };

  KvCells cells_;
  std::vector<LayerStore> layers_;
};

// Ring size of sliding layers for these parameters (0 when there are none).
int32_t sliding_ring_size(const TextHparams& hp, const KvCacheParams& params);

}  // namespace earshot::model
