// ggml tensor types as stored in GGUF files: ids, names, block geometry, and
// dequantization of the types earshot computes with.
//
// Ids are ggml's own (ggml.h `enum ggml_type`), so a GGUF file's type field
// maps to GgmlType directly. Every type ggml has ever written to a file is
// known by name and size, so a reader can lay out any file and an error can
// say "Q5_K is not supported" instead of "type 13".
//
//   const TypeTraits& t = type_traits(GgmlType::kQ4_K);  // 256 values, 144 bytes
//   dequantize_row(GgmlType::kQ4_K, row_bytes, out, 512);
//
// Thread contract: pure functions over caller-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace earshot::model {

enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
  kNVFP4 = 40,
  kQ1_0 = 41,
};

struct TypeTraits {
  GgmlType type;
  std::string_view name;  // as ggml spells it: "Q4_K", "BF16"
  int64_t block_size;     // values per block (1 for plain scalars)
  size_t type_size;       // bytes per block
  bool supported;         // earshot can dequantize it and run matvec on it
};

// Traits of a known type id, or nullopt for an id ggml never assigned.
std::optional<TypeTraits> find_type_traits(uint32_t type_id);

// Traits of a GgmlType (always known).
const TypeTraits& type_traits(GgmlType type);

std::string_view type_name(GgmlType type);

// "Q4_K", or "unknown type 77" for an unassigned id.
std::string describe_type_id(uint32_t type_id);

bool is_supported(GgmlType type);

// Bytes of one row of n values; n must be a multiple of the block size.
size_t row_bytes(GgmlType type, int64_t n);

// Writes n floats decoded from one row of `type` starting at `src`.
// Preconditions: is_supported(type), n a multiple of the block size.
// `src` needs no alignment. Returns false (and writes nothing) otherwise.
bool dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

}  // namespace earshot::model
