#include "model/decoder_weights.h"

#include <cmath>
#include <string>

#include "model/gguf_file.h"

namespace earshot::model {
namespace {

std::string blk(int layer, std::string_view name) {
  return "blk." + std::to_string(layer) + "." + std::string(name) + ".weight";
}

const float* vector_f32(const GgufFile& file, const std::string& name, int64_t n) {
  return static_cast<const float*>(file.require_tensor(name, {GgmlType::kF32}, {n}).data);
}

WeightMatrix matrix(const GgufFile& file, const std::string& name, int64_t n_in, int64_t n_out) {
  return weight_matrix(file.require_tensor(name, {}, {n_in, n_out}));
}

}  // namespace

DecoderWeights load_decoder_weights(const GgufFile& file, TextHparams& hp) {
  DecoderWeights w;
  const GgufTensor& embd = file.require_tensor("token_embd.weight", {}, {hp.n_embd, kAnyDim});
  w.token_embd = weight_matrix(embd);
  hp.n_vocab = static_cast<int>(embd.ne[1]);
  if (file.find_tensor("output.weight") != nullptr) {
    throw GgufError(file.path().string() +
                    ": tensor 'output.weight': expected none (Gemma 4 ties the output to token_embd), found one");
  }
  w.output_norm = vector_f32(file, "output_norm.weight", hp.n_embd);

  for (int l = 0; l < hp.n_layer; ++l) {
    const LayerShape& s = hp.layers[static_cast<size_t>(l)];
    if (s.use_rope_freqs && w.rope_freqs == nullptr && file.find_tensor("rope_freqs.weight") != nullptr) {
      w.rope_freqs = vector_f32(file, "rope_freqs.weight", s.n_rot / 2);
    }
    const int64_t n_q = static_cast<int64_t>(hp.n_head) * s.head_dim;
    const int64_t n_kv = static_cast<int64_t>(s.n_kv_head) * s.head_dim;
    LayerWeights lw;
    lw.attn_norm = vector_f32(file, blk(l, "attn_norm"), hp.n_embd);
    lw.attn_q = matrix(file, blk(l, "attn_q"), hp.n_embd, n_q);
    lw.attn_k = matrix(file, blk(l, "attn_k"), hp.n_embd, n_kv);
    if (file.find_tensor(blk(l, "attn_v")) != nullptr) lw.attn_v = matrix(file, blk(l, "attn_v"), hp.n_embd, n_kv);
    lw.attn_output = matrix(file, blk(l, "attn_output"), n_q, hp.n_embd);
    lw.attn_q_norm = vector_f32(file, blk(l, "attn_q_norm"), s.head_dim);
    lw.attn_k_norm = vector_f32(file, blk(l, "attn_k_norm"), s.head_dim);
    lw.post_attention_norm = vector_f32(file, blk(l, "post_attention_norm"), hp.n_embd);
    lw.ffn_norm = vector_f32(file, blk(l, "ffn_norm"), hp.n_embd);
    lw.ffn_gate = matrix(file, blk(l, "ffn_gate"), hp.n_embd, hp.n_ff);
    lw.ffn_up = matrix(file, blk(l, "ffn_up"), hp.n_embd, hp.n_ff);
    lw.ffn_down = matrix(file, blk(l, "ffn_down"), hp.n_ff, hp.n_embd);
    lw.post_ffw_norm = vector_f32(file, blk(l, "post_ffw_norm"), hp.n_embd);
    if (file.find_tensor(blk(l, "layer_output_scale")) != nullptr) {
      lw.output_scale = *vector_f32(file, blk(l, "layer_output_scale"), 1);
      if (!std::isfinite(lw.output_scale)) {
        throw GgufError(file.path().string() + ": tensor '" + blk(l, "layer_output_scale") +
                        "': expected a finite value, found " + std::to_string(lw.output_scale));
      }
    }
    w.layers.push_back(lw);
  }
  return w;
}

}  // namespace earshot::model
