#include "model/gguf_value.h"

#include <array>

namespace earshot::model {

std::string value_type_name(uint32_t type_id) {
  static constexpr std::array<std::string_view, kGgufValueTypeCount> kNames = {
      "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  if (type_id < kGgufValueTypeCount) return std::string(kNames[type_id]);
  return "unknown value type " + std::to_string(type_id);
}

bool GgufValue::is_integer() const {
  switch (type()) {
    case GgufValueType::kU8:
    case GgufValueType::kI8:
    case GgufValueType::kU16:
    case GgufValueType::kI16:
    case GgufValueType::kU32:
    case GgufValueType::kI32:
    case GgufValueType::kU64:
    case GgufValueType::kI64:
      return true;
    default:
      return false;
  }
}

bool GgufValue::is_float() const {
  return type() == GgufValueType::kF32 || type() == GgufValueType::kF64;
}

std::string GgufValue::describe_type() const {
  if (type() != GgufValueType::kArray) return value_type_name(type());
  const GgufArray& array = std::get<GgufArray>(data);
  if (array.element_type == GgufValueType::kArray && !array.elements.empty()) {
    return "array of " + array.elements.front().describe_type();
  }
  return "array of " + value_type_name(array.element_type);
}

}  // namespace earshot::model
