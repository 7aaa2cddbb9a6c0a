#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>

namespace earshot::model {

int32_t sliding_ring_size(const TextHparams& hp, const KvCacheParams& params) {
  return hp.has_sliding() ? hp.window - 1 + params.n_batch + params.n_rollback : 0;
}

KvCache::KvCache(const TextHparams& hp, const KvCacheParams& params)
    : cells_(params.n_ctx, sliding_ring_size(hp, params), hp.window) {
  for (const LayerShape& s : hp.layers) {
    LayerStore store;
    store.sliding = s.sliding;
    store.row_size = static_cast<int64_t>(s.n_kv_head) * s.head_dim;
    const int64_t n_rows = s.sliding ? cells_.n_ring() : cells_.n_ctx();
    store.k.assign(static_cast<size_t>(n_rows * store.row_size), 0.0f);
    store.v.assign(static_cast<size_t>(n_rows * store.row_size), 0.0f);
    layers_.push_back(std::move(store));
  }
}

KvCache KvCache::copy() const {
  KvCache out(cells_);
  out.layers_ = layers_;
  return out;
}

void KvCache::write(int layer, const KvPlan& plan, int32_t i, const float* k, const float* v) {
  LayerStore& store = layers_[static_cast<size_t>(layer)];
  const int64_t row = store.sliding ? cells_.ring_slot(plan.first_serial + i) : plan.first_row + i;
  const size_t n = static_cast<size_t>(store.row_size);
  std::memcpy(store.k.data() + row * store.row_size, k, n * sizeof(float));
  std::memcpy(store.v.data() + row * store.row_size, v, n * sizeof(float));
}

KvStatus KvCache::copy_last(int32_t n, KvRows* out) const {
  const std::span<const KvCell> cells = cells_.cells();
  if (n <= 0 || static_cast<size_t>(n) > cells.size()) return KvStatus::kBadRange;
  const size_t first = cells.size() - static_cast<size_t>(n);
  if (cells.back().pos - cells[first].pos != n - 1) return KvStatus::kBadRange;
  out->n = n;
  out->k.clear();
  out->v.clear();
  for (const LayerStore& store : layers_) {
    for (size_t i = first; i < cells.size(); ++i) {
      const int64_t row = store.sliding ? cells_.ring_slot(cells[i].serial) : static_cast<int64_t>(i);
      const float* k = store.k.data() + row * store.row_size;
      const float* v = store.v.data() + row * store.row_size;
      out->k.insert(out->k.end(), k, k + store.row_size);
      out->v.insert(out->v.end(), v, v + store.row_size);
    }
  }
  return KvStatus::kOk;
}

KvStatus KvCache::append(int32_t first_pos, const KvRows& rows) {
  KvPlan plan;
  if (const KvStatus s = cells_.prepare(first_pos, rows.n, &plan); s != KvStatus::kOk) return s;
  cells_.apply(plan);
  size_t offset = 0;
  for (size_t layer = 0; layer < layers_.size(); ++layer) {
    const auto row_size = static_cast<size_t>(layers_[layer].row_size);
    for (int32_t i = 0; i < rows.n; ++i) {
      write(static_cast<int>(layer), plan, i, rows.k.data() + offset, rows.v.data() + offset);
      offset += row_size;
    }
  }
  return KvStatus::kOk;
}

KvStatus KvCache::evict(int32_t keep_until, int32_t drop_until) {
  const int64_t n_before = static_cast<int64_t>(cells_.cells().size());
  int64_t first_row = 0, n_rows = 0;
  const KvStatus status = cells_.evict(keep_until, drop_until, &first_row, &n_rows);
  if (status != KvStatus::kOk) return status;
  for (LayerStore& store : layers_) {
    if (store.sliding) continue;  // ring slots follow serials; evicted cells are just no longer listed
    const int64_t n_move = n_before - first_row - n_rows;
    for (std::vector<float>* t : {&store.k, &store.v}) {
      float* base = t->data();
      std::memmove(base + first_row * store.row_size, base + (first_row + n_rows) * store.row_size,
                   static_cast<size_t>(n_move * store.row_size) * sizeof(float));
    }
  }
  return KvStatus::kOk;
}

size_t KvCache::bytes() const {
  size_t n = 0;
  for (const LayerStore& s : layers_) n += (s.k.size() + s.v.size()) * sizeof(float);
  return n;
}

}  // namespace earshot::model
