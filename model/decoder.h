// The Gemma 4 text decoder's forward pass over one batch of input rows
// (text-token embeddings or projected audio frames), with the KV cache:
//
//   x = embeddings                                  (text rows: token_embd[id] * sqrt(n_embd))
//   for each layer:
//     x = x + post_attention_norm(attention(attn_norm(x)))
//     x = x + post_ffw_norm(ffn(ffn_norm(x)))
//     x = x * layer_output_scale
//   logits = softcap(output_norm(x) · token_embdᵀ)
//
//   Decoder decoder(model.hparams(), model.decoder(), pool, /*n_batch=*/256, /*n_logit_rows=*/1,
//                   /*max_cells=*/4096, /*max_cols=*/hp.n_ff);
//   decoder.embed_tokens(ids, n);            // or write rows of activations().x
//   decoder.forward(cache, plan, 1);         // plan from cache.cells().prepare(), applied
//   const float* logits = decoder.activations().logits.data();
//
// Hot path contract: never throws or allocates; the caller checks token ids
// and batch sizes (n <= n_batch) first.
// Thread contract: owned by one session thread; uses that session's pool.
#pragma once

#include <cstdint>

#include "model/activations.h"
#include "model/attention.h"
#include "model/kv_cache.h"
#include "model/matmul.h"
#include "model/decoder_weights.h"
#include "model/rope.h"
#include "model/tokenizer.h"

namespace earshot::model {

// The widest matrix input of the decoder's own products.
int64_t decoder_max_cols(const TextHparams& hp);

class Decoder {
 public:
  // n_logit_rows: how many of the last rows of a batch get logits (1 for
  // generation, n_batch to keep them all); max_cells: the most cells one
  // query may see (the cache's rows); max_cols: the widest matrix input any
  // caller of matmul() passes (at least decoder_max_cols(hp)). hp and weights
  // must outlive the decoder.
  Decoder(const TextHparams& hp, const DecoderWeights& weights, ThreadPool& pool, int32_t n_batch,
          int32_t n_logit_rows, int64_t max_cells, int64_t max_cols);

  Activations& activations() { return acts_; }
  const Activations& activations() const { return acts_; }
  Matmul& matmul() { return matmul_; }
  int32_t n_batch() const { return acts_.n_batch; }

  // x[i] = token_embd[ids[i]] * sqrt(n_embd) for i < n; ids must be < n_vocab.
  void embed_tokens(const TokenId* ids, int32_t n);

  // Runs every layer over rows [0, plan.n_tokens) of x, whose cells are
  // applied in the cache; then the logits of the last min(n_logit_rows,
  // plan.n_tokens) rows into activations().logits.
  void forward(KvCache& cache, const KvPlan& plan, int32_t n_logit_rows);

 private:
  void rope_tables(const KvPlan& plan);
  void attention_block(int layer, KvCache& cache, const KvPlan& plan);
  void ffn_block(int layer, int32_t n);
  void output_logits(int32_t n, int32_t n_rows);

  const TextHparams& hp_;
  const DecoderWeights& weights_;
  ThreadPool& pool_;
  Activations acts_;
  Matmul matmul_;
  AttentionScratch attention_scratch_;
  Rope rope_swa_;
  Rope rope_full_;
};

}  // namespace earshot::model
