#include "model/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/ops.h"

namespace earshot::model {
namespace {

// The RoPE of one layer kind (all layers of a kind share it).
Rope rope_of_kind(const TextHparams& hp, const DecoderWeights& w, bool sliding) {
  for (const LayerShape& s : hp.layers) {
    if (s.sliding == sliding) return Rope(s.n_rot, s.rope_base, s.use_rope_freqs ? w.rope_freqs : nullptr);
  }
  return Rope(0, 10000.0f, nullptr);
}

}  // namespace

int64_t decoder_max_cols(const TextHparams& hp) { return std::max<int64_t>({hp.n_embd, hp.n_ff, hp.max_q_dim()}); }

Decoder::Decoder(const TextHparams& hp, const DecoderWeights& weights, ThreadPool& pool, int32_t n_batch,
                 int32_t n_logit_rows, int64_t max_cells, int64_t max_cols)
    : hp_(hp),
      weights_(weights),
      pool_(pool),
      acts_(hp, n_batch, n_logit_rows),
      matmul_(pool, std::max(max_cols, decoder_max_cols(hp))),
      attention_scratch_(pool.n_threads(), max_cells),
      rope_swa_(rope_of_kind(hp, weights, true)),
      rope_full_(rope_of_kind(hp, weights, false)) {}

void Decoder::embed_tokens(const TokenId* ids, int32_t n) {
  const WeightMatrix& embd = weights_.token_embd;
  const float scale = std::sqrt(static_cast<float>(hp_.n_embd));
  for (int32_t i = 0; i < n; ++i) {
    float* row = acts_.x.data() + static_cast<int64_t>(i) * hp_.n_embd;
    dequantize_row(embd.type, static_cast<const uint8_t*>(embd.data) + ids[i] * embd.row_stride, row, hp_.n_embd);
    ops::scale(row, scale, hp_.n_embd);
  }
}

void Decoder::forward(KvCache& cache, const KvPlan& plan, int32_t n_logit_rows) {
  rope_tables(plan);
  for (int l = 0; l < hp_.n_layer; ++l) {
    attention_block(l, cache, plan);
    ffn_block(l, plan.n_tokens);
    ops::scale(acts_.x.data(), weights_.layers[static_cast<size_t>(l)].output_scale,
               static_cast<int64_t>(plan.n_tokens) * hp_.n_embd);
  }
  output_logits(plan.n_tokens, std::min({n_logit_rows, plan.n_tokens, acts_.n_logit_rows}));
}

void Decoder::rope_tables(const KvPlan& plan) {
  for (int32_t i = 0; i < plan.n_tokens; ++i) {
    const int32_t pos = plan.first_pos + i;
    rope_swa_.angles(pos, acts_.rope_cos_swa.data() + i * rope_swa_.n_pairs(),
                     acts_.rope_sin_swa.data() + i * rope_swa_.n_pairs());
    rope_full_.angles(pos, acts_.rope_cos_full.data() + i * rope_full_.n_pairs(),
                      acts_.rope_sin_full.data() + i * rope_full_.n_pairs());
  }
}

void Decoder::attention_block(int l, KvCache& cache, const KvPlan& plan) {
  const LayerShape& s = hp_.layers[static_cast<size_t>(l)];
  const LayerWeights& w = weights_.layers[static_cast<size_t>(l)];
  const int32_t n = plan.n_tokens;
  const int d = s.head_dim;
  const int64_t n_q = static_cast<int64_t>(hp_.n_head) * d;     // q row
  const int64_t n_kv = static_cast<int64_t>(s.n_kv_head) * d;   // k, v row
  float* x = acts_.x.data();
  float* xn = acts_.xn.data();
  float* q = acts_.q.data();
  float* k = acts_.k.data();
  float* v = acts_.v.data();

  ops::rms_norm_rows(x, w.attn_norm, n, hp_.n_embd, hp_.norm_eps, xn);  // attn_norm
  matmul_.run(w.attn_q, xn, n, q);                                       // [n, n_head * d]
  matmul_.run(w.attn_k, xn, n, k);                                       // [n, n_kv_head * d]
  if (w.k_eq_v()) {
    std::memcpy(v, k, static_cast<size_t>(n * n_kv) * sizeof(float));   // V = raw k projection
  } else {
    matmul_.run(w.attn_v, xn, n, v);                                     // [n, n_kv_head * d]
  }
  ops::rms_norm_rows(q, w.attn_q_norm, n * hp_.n_head, d, hp_.norm_eps, q);  // q_norm, per head
  ops::rms_norm_rows(k, w.attn_k_norm, n * s.n_kv_head, d, hp_.norm_eps, k);  // k_norm, per head
  ops::rms_norm_rows(v, nullptr, n * s.n_kv_head, d, hp_.norm_eps, v);        // v_norm, no weight

  const Rope& rope = s.sliding ? rope_swa_ : rope_full_;
  const float* cos = s.sliding ? acts_.rope_cos_swa.data() : acts_.rope_cos_full.data();
  const float* sin = s.sliding ? acts_.rope_sin_swa.data() : acts_.rope_sin_full.data();
  const int n_pairs = rope.n_pairs();
  for (int32_t i = 0; i < n; ++i) {
    Rope::rotate(q + i * n_q, hp_.n_head, d, n_pairs, cos + i * n_pairs, sin + i * n_pairs);
    Rope::rotate(k + i * n_kv, s.n_kv_head, d, n_pairs, cos + i * n_pairs, sin + i * n_pairs);
    cache.write(l, plan, i, k + i * n_kv, v + i * n_kv);  // KV cache write
  }

  AttentionInput in;
  in.q = q;
  in.n_tokens = n;
  in.first_pos = plan.first_pos;
  in.n_head = hp_.n_head;
  in.n_kv_head = s.n_kv_head;
  in.head_dim = d;
  in.window = s.sliding ? hp_.window : 0;
  in.cells = s.sliding ? cache.cells().ring_cells() : cache.cells().cells();
  in.n_ring = s.sliding ? cache.cells().n_ring() : 0;
  in.k = cache.keys(l);
  in.v = cache.values(l);
  attend(in, acts_.attn.data(), attention_scratch_, pool_);  // [n, n_head * d]

  matmul_.run(w.attn_output, acts_.attn.data(), n, acts_.proj.data());                          // [n, n_embd]
  ops::rms_norm_rows(acts_.proj.data(), w.post_attention_norm, n, hp_.n_embd, hp_.norm_eps, acts_.proj.data());
  ops::add(x, acts_.proj.data(), static_cast<int64_t>(n) * hp_.n_embd);                          // residual
}

void Decoder::ffn_block(int l, int32_t n) {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(l)];
  float* x = acts_.x.data();
  float* xn = acts_.xn.data();
  float* gate = acts_.gate.data();
  float* proj = acts_.proj.data();

  ops::rms_norm_rows(x, w.ffn_norm, n, hp_.n_embd, hp_.norm_eps, xn);          // ffn_norm
  matmul_.run(w.ffn_gate, xn, n, gate);                                        // [n, n_ff]
  matmul_.run(w.ffn_up, xn, n, acts_.up.data());                               // [n, n_ff]
  ops::gelu_tanh_mul(gate, acts_.up.data(), static_cast<int64_t>(n) * hp_.n_ff);  // GeGLU
  matmul_.run(w.ffn_down, gate, n, proj);                                      // [n, n_embd]
  ops::rms_norm_rows(proj, w.post_ffw_norm, n, hp_.n_embd, hp_.norm_eps, proj);  // post_ffw_norm
  ops::add(x, proj, static_cast<int64_t>(n) * hp_.n_embd);                     // residual
}

void Decoder::output_logits(int32_t n, int32_t n_rows) {
  const float* last = acts_.x.data() + static_cast<int64_t>(n - n_rows) * hp_.n_embd;
  ops::rms_norm_rows(last, weights_.output_norm, n_rows, hp_.n_embd, hp_.norm_eps, acts_.xn.data());
  matmul_.run(weights_.token_embd, acts_.xn.data(), n_rows, acts_.logits.data());  // tied output
  ops::softcap(acts_.logits.data(), static_cast<int64_t>(n_rows) * hp_.n_vocab, hp_.final_logit_softcap);
}

}  // namespace earshot::model
