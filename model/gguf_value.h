// One GGUF metadata value: a scalar, a string or a (possibly nested) array.
//
// Strings are views into the file's mapping: they live as long as the
// GgufFile that produced them.
// Thread contract: immutable values, safe to read from any thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace earshot::model {

// Every error found in a GGUF file, or in what a caller asked of it. The
// message names the file, the key or tensor, and what was expected vs found.
class GgufError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// GGUF's value type ids (gguf.h `enum gguf_type`).
enum class GgufValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
constexpr uint32_t kGgufValueTypeCount = 13;

// "u32", "string", "array", ... or "unknown value type 13".
std::string value_type_name(uint32_t type_id);
inline std::string value_type_name(GgufValueType type) {
  return value_type_name(static_cast<uint32_t>(type));
}

struct GgufValue;

struct GgufArray {
  GgufValueType element_type = GgufValueType::kU8;
  std::vector<GgufValue> elements;
};

struct GgufValue {
  // The alternative's index is the GGUF type id.
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool,
                               std::string_view, GgufArray, uint64_t, int64_t, double>;
  Storage data;

  GgufValueType type() const { return static_cast<GgufValueType>(data.index()); }
  bool is_integer() const;
  bool is_float() const;
  // "u32", "array of string", "array of array of i32".
  std::string describe_type() const;
};

static_assert(std::variant_size_v<GgufValue::Storage> == kGgufValueTypeCount);
static_assert(std::is_same_v<std::variant_alternative_t<8, GgufValue::Storage>, std::string_view>);
static_assert(std::is_same_v<std::variant_alternative_t<12, GgufValue::Storage>, double>);

struct GgufKeyValue {
  std::string_view key;
  GgufValue value;
};

}  // namespace earshot::model
