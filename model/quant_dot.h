// Row dot products of weights in their stored type with a prepared input
// vector: the inner loops of matvec (see quant_kernels.h).
//
// Every kernel exists twice: `reference::` is plain scalar C++ (the definition
// of the result), and the unqualified one is the AVX2/FMA/F16C version when
// the build enables AVX2 (-march=x86-64-v3), else the reference itself. Both
// read their inputs at any alignment.
//
// Quantized weights are multiplied with activations quantized to 8 bits
// (ActBlock32 for Q8_0/Q4_0, ActBlock256 for the k-quants) using integer
// products, as ggml does; the result differs from a float dot product by the
// activation rounding only (bounded by sum |w| * d_x / 2 per block).
//
// Thread contract: pure functions over caller-owned memory.
#pragma once

#include <cstdint>

#include "model/quant_blocks.h"

namespace earshot::model::kernels {

// --- activation quantizers; n must be a multiple of the block size ---
void quantize_act32(const float* x, ActBlock32* out, int64_t n);
void quantize_act256(const float* x, ActBlock256* out, int64_t n);

// --- dot products of one weight row with the prepared input ---
float dot_f32(const float* w, const float* x, int64_t n);
float dot_f16(const uint16_t* w, const float* x, int64_t n);
float dot_bf16(const uint16_t* w, const float* x, int64_t n);
float dot_q8_0(const BlockQ8_0* w, const ActBlock32* x, int64_t n_blocks);
float dot_q4_0(const BlockQ4_0* w, const ActBlock32* x, int64_t n_blocks);
float dot_q4_k(const BlockQ4_K* w, const ActBlock256* x, int64_t n_blocks);
float dot_q6_k(const BlockQ6_K* w, const ActBlock256* x, int64_t n_blocks);

namespace reference {
void quantize_act32(const float* x, ActBlock32* out, int64_t n);
void quantize_act256(const float* x, ActBlock256* out, int64_t n);
float dot_f32(const float* w, const float* x, int64_t n);
float dot_f16(const uint16_t* w, const float* x, int64_t n);
float dot_bf16(const uint16_t* w, const float* x, int64_t n);
float dot_q8_0(const BlockQ8_0* w, const ActBlock32* x, int64_t n_blocks);
float dot_q4_0(const BlockQ4_0* w, const ActBlock32* x, int64_t n_blocks);
float dot_q4_k(const BlockQ4_K* w, const ActBlock256* x, int64_t n_blocks);
float dot_q6_k(const BlockQ6_K* w, const ActBlock256* x, int64_t n_blocks);
}  // namespace reference

// True when the unqualified kernels are the AVX2 versions.
bool simd_enabled();

}  // namespace earshot::model::kernels
