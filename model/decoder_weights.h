// The text decoder's weights, bound in place from a GGUF file's mapping
// (llama.cpp's `gemma4` tensor names). Matrices may be stored in any type the
// kernels support (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K); norms, scales and
// rope_freqs must be F32.
//
//   DecoderWeights w = load_decoder_weights(file, hp);  // throws GgufError
//
// Shapes are in torch order [out, in] (a WeightMatrix has n_rows = out rows of
// n_cols = in values; the GGUF ne is [in, out]).
//
// Thread contract: immutable after loading; read from any thread while the
// GgufFile lives.
#pragma once

#include <vector>

#include "model/quant_kernels.h"
#include "model/text_hparams.h"

namespace earshot::model {

struct LayerWeights {
  const float* attn_norm = nullptr;            // [n_embd]
  WeightMatrix attn_q;                         // [n_head * D, n_embd]
  WeightMatrix attn_k;                         // [n_kv_head * D, n_embd]
  WeightMatrix attn_v;                         // [n_kv_head * D, n_embd]; data null when V = K (full layers)
  WeightMatrix attn_output;                    // [n_embd, n_head * D]
  const float* attn_q_norm = nullptr;          // [D]
  const float* attn_k_norm = nullptr;          // [D]
  const float* post_attention_norm = nullptr;  // [n_embd]
  const float* ffn_norm = nullptr;             // [n_embd]
  WeightMatrix ffn_gate;                       // [n_ff, n_embd]
  WeightMatrix ffn_up;                         // [n_ff, n_embd]
  WeightMatrix ffn_down;                       // [n_embd, n_ff]
  const float* post_ffw_norm = nullptr;        // [n_embd]
  float output_scale = 1.0f;                   // layer_output_scale (1 when absent)

  bool k_eq_v() const { return attn_v.data == nullptr; }
};

struct DecoderWeights {
  WeightMatrix token_embd;             // [n_vocab, n_embd]; also the (tied) output
  const float* output_norm = nullptr;  // [n_embd]
  const float* rope_freqs = nullptr;   // [head_dim_full / 2] frequency divisors; null when absent
  std::vector<LayerWeights> layers;
};

// Binds every tensor; sets hp.n_vocab from token_embd. An `output.weight`
// (untied output) is rejected: Gemma 4 ties it.
DecoderWeights load_decoder_weights(const GgufFile& file, TextHparams& hp);

}  // namespace earshot::model
