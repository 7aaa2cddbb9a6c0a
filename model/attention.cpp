#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/ops.h"
#include "model/quant_dot.h"

namespace earshot::model {
namespace {

// Visible cells of the query at `pos`: [begin, end) of in.cells.
void visible_range(const AttentionInput& in, int32_t pos, size_t* begin, size_t* end) {
  const auto by_pos = [](const KvCell& c, int64_t p) { return c.pos < p; };
  const auto first = in.cells.begin();
  *end = static_cast<size_t>(std::lower_bound(first, in.cells.end(), static_cast<int64_t>(pos) + 1, by_pos) - first);
  *begin = 0;
  if (in.window > 0) {
    const int64_t oldest = static_cast<int64_t>(pos) - in.window + 1;
    *begin = static_cast<size_t>(std::lower_bound(first, first + static_cast<ptrdiff_t>(*end), oldest, by_pos) - first);
  }
}

}  // namespace

AttentionScratch::AttentionScratch(int n_threads, int64_t max_cells)
    : scores_(static_cast<size_t>(n_threads), std::vector<float>(static_cast<size_t>(max_cells))),
      offsets_(static_cast<size_t>(max_cells)) {}

void attend_one(const AttentionInput& in, const int64_t* offsets, const float* q_head, int kv_head, size_t begin,
                size_t end, float* scores, float* out_head) {
  const int d = in.head_dim;
  const int64_t head_offset = static_cast<int64_t>(kv_head) * d;
  std::memset(out_head, 0, static_cast<size_t>(d) * sizeof(float));
  if (begin >= end) return;  // cannot happen for a query whose own key is cached

  float max_score = -INFINITY;
  for (size_t c = begin; c < end; ++c) {
    const float s = kernels::dot_f32(in.k + offsets[c] + head_offset, q_head, d);
    scores[c - begin] = s;
    max_score = std::max(max_score, s);
  }
  float sum = 0.0f;
  for (size_t c = begin; c < end; ++c) {
    const float e = std::exp(scores[c - begin] - max_score);
    scores[c - begin] = e;
    sum += e;
  }
  const float inv_sum = 1.0f / sum;
  for (size_t c = begin; c < end; ++c) {
    ops::axpy(scores[c - begin] * inv_sum, in.v + offsets[c] + head_offset, out_head, d);
  }
}

void attend(const AttentionInput& in, float* out, AttentionScratch& scratch, ThreadPool& pool) {
  const int64_t n_items = static_cast<int64_t>(in.n_tokens) * in.n_head;
  const int n_shares = static_cast<int>(std::min<int64_t>({scratch.n_threads(), pool.n_threads(), n_items}));
  const int group = in.n_head / in.n_kv_head;
  const int64_t q_row = static_cast<int64_t>(in.n_head) * in.head_dim;
  const int64_t row_size = static_cast<int64_t>(in.n_kv_head) * in.head_dim;
  int64_t* offsets = scratch.offsets();
  for (size_t c = 0; c < in.cells.size(); ++c) {
    offsets[c] = (in.n_ring > 0 ? in.cells[c].serial % in.n_ring : static_cast<int64_t>(c)) * row_size;
  }
  // One share per pool thread, so each share owns one scratch row.
  pool.parallel_for(n_shares, [&](int64_t share_begin, int64_t share_end) {
    for (int64_t share = share_begin; share < share_end; ++share) {
      float* scores = scratch.scores(static_cast<int>(share));
      const int64_t item_begin = n_items * share / n_shares, item_end = n_items * (share + 1) / n_shares;
      for (int64_t item = item_begin; item < item_end; ++item) {
        const int32_t i = static_cast<int32_t>(item / in.n_head);
        const int h = static_cast<int>(item % in.n_head);
        size_t begin = 0, end = 0;
        visible_range(in, in.first_pos + i, &begin, &end);
        const int64_t offset = i * q_row + static_cast<int64_t>(h) * in.head_dim;
        attend_one(in, offsets, in.q + offset, h / group, begin, end, scores, out + offset);
      }
    }
  });
}

}  // namespace earshot::model
