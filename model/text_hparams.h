// Hyper-parameters of a Gemma 4 text decoder, read from the `gemma4.*` keys of
// a GGUF file (llama.cpp's names) and checked against each other.
//
//   GgufFile file("model.gguf");
//   TextHparams hp = read_text_hparams(file);   // throws GgufError naming the key
//   for (const LayerShape& layer : hp.layers) ...
//
// Every failure names the file, the key, and expected vs found. Features the
// engine does not implement (per-layer input embeddings, shared KV layers,
// K and V of different lengths) are rejected here, not at decode time.
//
// Thread contract: plain values, read from any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace earshot::model {

class GgufFile;

// One decoder layer's attention geometry.
struct LayerShape {
  bool sliding = false;   // sliding-window (local) attention; else full causal
  int n_kv_head = 0;      // key/value heads (grouped-query attention)
  int head_dim = 0;       // key_length == value_length of this layer kind
  int n_rot = 0;          // leading dims taking part in NeoX RoPE (pairs i, i + n_rot/2)
  float rope_base = 0;    // theta
  bool use_rope_freqs = false;  // divide frequencies by rope_freqs (full layers)
};

struct TextHparams {
  int n_layer = 0;
  int n_embd = 0;
  int n_ff = 0;
  int n_head = 0;
  int n_vocab = 0;        // rows of token_embd (set by the weights' loader)
  int n_ctx_train = 0;    // context_length, 0 when absent
  int window = 0;         // sliding window: a query sees keys with q - k < window
  float norm_eps = 1e-6f;
  float final_logit_softcap = 0;  // 0: no soft-cap
  std::vector<LayerShape> layers;

  int max_head_dim() const;
  int max_kv_dim() const;       // max over layers of n_kv_head * head_dim
  int max_q_dim() const;        // max over layers of n_head * head_dim
  bool has_sliding() const;
  bool has_full() const;
};

inline constexpr std::string_view kTextArchitecture = "gemma4";

TextHparams read_text_hparams(const GgufFile& file);

}  // namespace earshot::model
