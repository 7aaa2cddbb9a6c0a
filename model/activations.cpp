#include "model/activations.h"

#include <algorithm>

namespace earshot::model {
namespace {

std::vector<float> rows(int64_t n_rows, int64_t n) { return std::vector<float>(static_cast<size_t>(n_rows * n)); }

int max_pairs(const TextHparams& hp, bool sliding) {
  int m = 0;
  for (const LayerShape& l : hp.layers) {
    if (l.sliding == sliding) m = std::max(m, l.n_rot / 2);
  }
  return m;
}

}  // namespace

Activations::Activations(const TextHparams& hp, int32_t n_batch_in, int32_t n_logit_rows_in)
    : n_batch(n_batch_in),
      n_logit_rows(n_logit_rows_in),
      x(rows(n_batch, hp.n_embd)),
      xn(rows(n_batch, hp.n_embd)),
      q(rows(n_batch, hp.max_q_dim())),
      k(rows(n_batch, hp.max_kv_dim())),
      v(rows(n_batch, hp.max_kv_dim())),
      attn(rows(n_batch, hp.max_q_dim())),
      proj(rows(n_batch, hp.n_embd)),
      gate(rows(n_batch, hp.n_ff)),
      up(rows(n_batch, hp.n_ff)),
      rope_cos_swa(rows(n_batch, max_pairs(hp, true))),
      rope_sin_swa(rows(n_batch, max_pairs(hp, true))),
      rope_cos_full(rows(n_batch, max_pairs(hp, false))),
      rope_sin_full(rows(n_batch, max_pairs(hp, false))),
      logits(rows(n_logit_rows, hp.n_vocab)) {}

}  // namespace earshot::model
