// Rotary position embedding, NeoX (rotate-half) form, as Gemma 4 uses it.
//
// Pair i (i < n_rot/2) of a head is the dims (i, i + n_rot/2); it turns by the
// angle pos * inv_freq[i], inv_freq[i] = base^(-2i/n_rot) / freq_divisor[i].
// Dims from n_rot on pass through. Full-attention layers of Gemma 4 have
// n_rot = head_dim and divisors 1 for the first quarter of pairs, 1e30 (no
// rotation) for the rest ("proportional" RoPE, llama.cpp's rope_freqs).
//
//   Rope rope(layer.n_rot, layer.rope_base, weights.rope_freqs);
//   rope.angles(pos, cos, sin);                         // once per row
//   Rope::rotate(q, n_head, head_dim, rope.n_pairs(), cos, sin);
//
// Thread contract: immutable after construction.
#pragma once

#include <cstdint>
#include <vector>

namespace earshot::model {

class Rope {
 public:
  // freq_divisors: n_rot/2 values, or null for all ones.
  Rope(int n_rot, float base, const float* freq_divisors);

  int n_pairs() const { return static_cast<int>(inv_freq_.size()); }
  const std::vector<float>& inv_freq() const { return inv_freq_; }

  // cos[i], sin[i] of pos * inv_freq[i] for every pair.
  void angles(int32_t pos, float* cos, float* sin) const;

  // Rotates n_heads heads of head_dim values each (contiguous) in place.
  static void rotate(float* x, int n_heads, int head_dim, int n_pairs, const float* cos, const float* sin);

 private:
  std::vector<float> inv_freq_;  // [n_rot / 2]
};

}  // namespace earshot::model
