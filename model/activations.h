// Every buffer one forward pass of the decoder uses, allocated once for the
// largest batch (n_batch rows) so that the decode path never allocates.
//
// Thread contract: owned by one session.
#pragma once

#include <cstdint>
#include <vector>

#include "model/text_hparams.h"

namespace earshot::model {

struct Activations {
  Activations(const TextHparams& hp, int32_t n_batch, int32_t n_logit_rows);

  int32_t n_batch;
  int32_t n_logit_rows;         // logits rows kept per pass (1, or n_batch when all are kept)
  std::vector<float> x;         // [n_batch, n_embd]  residual stream; the input embeddings at entry
  std::vector<float> xn;        // [n_batch, n_embd]  normed input of the current block
  std::vector<float> q;         // [n_batch, n_head * head_dim]
  std::vector<float> k;         // [n_batch, n_kv_head * head_dim]
  std::vector<float> v;         // [n_batch, n_kv_head * head_dim]
  std::vector<float> attn;      // [n_batch, n_head * head_dim]  attention output before attn_output
  std::vector<float> proj;      // [n_batch, n_embd]  attention or FFN output before its post-norm
  std::vector<float> gate;      // [n_batch, n_ff]
  std::vector<float> up;        // [n_batch, n_ff]
  std::vector<float> rope_cos_swa, rope_sin_swa;    // [n_batch, n_rot_swa / 2]
  std::vector<float> rope_cos_full, rope_sin_full;  // [n_batch, n_rot_full / 2]
  std::vector<float> logits;    // [n_logit_rows, n_vocab]
};

}  // namespace earshot::model
