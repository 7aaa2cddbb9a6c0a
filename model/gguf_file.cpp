#include "model/gguf_file.h"

#include <limits>
#include <system_error>
#include <unordered_map>

#include "model/mapped_file.h"

namespace earshot::model {
namespace {

template <typename T>
std::string_view target_name() {
  if constexpr (std::is_same_v<T, uint8_t>) return "u8";
  if constexpr (std::is_same_v<T, int32_t>) return "i32";
  if constexpr (std::is_same_v<T, uint32_t>) return "u32";
  if constexpr (std::is_same_v<T, int64_t>) return "i64";
  if constexpr (std::is_same_v<T, uint64_t>) return "u64";
  return "?";
}

// Any integer alternative, widened to (is_negative, magnitude as u64 / i64).
struct WideInteger {
  bool negative = false;
  uint64_t bits = 0;  // the value as u64 when !negative, as i64 bits when negative
};

WideInteger widen(const GgufValue& v) {
  return std::visit(
      [](const auto& x) -> WideInteger {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_integral_v<X> && !std::is_same_v<X, bool>) {
          if constexpr (std::is_signed_v<X>) {
            return {x < 0, static_cast<uint64_t>(static_cast<int64_t>(x))};
          } else {
            return {false, static_cast<uint64_t>(x)};
          }
        } else {
          return {};
        }
      },
      v.data);
}

std::string show_integer(const WideInteger& w) {
  return w.negative ? std::to_string(static_cast<int64_t>(w.bits)) : std::to_string(w.bits);
}

// Converts an integer value to T if it fits; nullopt if it does not.
template <typename T>
std::optional<T> narrow(const WideInteger& w) {
  if (w.negative) {
    const auto v = static_cast<int64_t>(w.bits);
    if constexpr (std::is_signed_v<T>) {
      if (v >= std::numeric_limits<T>::min()) return static_cast<T>(v);
    }
    return std::nullopt;
  }
  if (w.bits <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(w.bits);
  return std::nullopt;
}

}  // namespace

struct GgufFile::State {
  std::filesystem::path path;
  std::string name;  // path as text, the prefix of every message
  MappedFile mapping;
  GgufContents contents;
  std::unordered_map<std::string_view, size_t> key_index;
  std::unordered_map<std::string_view, size_t> tensor_index;

  [[noreturn]] void fail(const std::string& what) const { throw GgufError(name + ": " + what); }

  const GgufValue& expect(std::string_view key) const {
    const auto it = key_index.find(key);
    if (it == key_index.end()) fail("missing key '" + std::string(key) + "'");
    return contents.metadata[it->second].value;
  }

  const GgufValue* lookup(std::string_view key) const {
    const auto it = key_index.find(key);
    return it == key_index.end() ? nullptr : &contents.metadata[it->second].value;
  }

  [[noreturn]] void wrong_type(std::string_view key, std::string_view expected, const GgufValue& v) const {
    fail("key '" + std::string(key) + "': expected " + std::string(expected) + ", found " + v.describe_type());
  }

  template <typename T>
  T integer(std::string_view key, const GgufValue& v, std::string_view where = {}) const {
    if (!v.is_integer()) wrong_type(key, std::string(where) + std::string(target_name<T>()), v);
    const WideInteger w = widen(v);
    const auto out = narrow<T>(w);
    if (!out) {
      fail("key '" + std::string(key) + "': value " + show_integer(w) + " (" + v.describe_type() +
           ") does not fit in " + std::string(target_name<T>()));
    }
    return *out;
  }

  double floating(std::string_view key, const GgufValue& v, std::string_view expected) const {
    if (v.type() == GgufValueType::kF32) return std::get<float>(v.data);
    if (v.type() == GgufValueType::kF64) return std::get<double>(v.data);
    wrong_type(key, expected, v);
  }

  const GgufArray& array(std::string_view key, const GgufValue& v, std::string_view expected) const {
    if (v.type() != GgufValueType::kArray) wrong_type(key, expected, v);
    return std::get<GgufArray>(v.data);
  }

  template <typename T>
  std::vector<T> integer_array(std::string_view key, const GgufValue& v) const {
    const std::string expected = "array of " + std::string(target_name<T>());
    const GgufArray& a = array(key, v, expected);
    if (a.element_type == GgufValueType::kArray || a.element_type == GgufValueType::kString ||
        a.element_type == GgufValueType::kBool || a.element_type == GgufValueType::kF32 ||
        a.element_type == GgufValueType::kF64) {
      wrong_type(key, expected, v);
    }
    std::vector<T> out;
    out.reserve(a.elements.size());
    for (const GgufValue& e : a.elements) out.push_back(integer<T>(key, e, "array of "));
    return out;
  }

  std::vector<float> float_array(std::string_view key, const GgufValue& v) const {
    const GgufArray& a = array(key, v, "array of f32");
    if (a.element_type != GgufValueType::kF32 && a.element_type != GgufValueType::kF64) {
      wrong_type(key, "array of f32", v);
    }
    std::vector<float> out;
    out.reserve(a.elements.size());
    for (const GgufValue& e : a.elements) out.push_back(static_cast<float>(floating(key, e, "f32")));
    return out;
  }

  std::vector<bool> bool_array(std::string_view key, const GgufValue& v) const {
    const GgufArray& a = array(key, v, "array of bool");
    if (a.element_type != GgufValueType::kBool) wrong_type(key, "array of bool", v);
    std::vector<bool> out;
    out.reserve(a.elements.size());
    for (const GgufValue& e : a.elements) out.push_back(std::get<bool>(e.data));
    return out;
  }

  std::vector<std::string_view> string_array(std::string_view key, const GgufValue& v) const {
    const GgufArray& a = array(key, v, "array of string");
    if (a.element_type != GgufValueType::kString) wrong_type(key, "array of string", v);
    std::vector<std::string_view> out;
    out.reserve(a.elements.size());
    for (const GgufValue& e : a.elements) out.push_back(std::get<std::string_view>(e.data));
    return out;
  }
};

namespace {

MappedFile map_file(const std::filesystem::path& path, const std::string& name) {
  try {
    return MappedFile(path);
  } catch (const std::system_error& e) {
    throw GgufError(name + ": " + e.what());
  }
}

}  // namespace

GgufFile::GgufFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  state_ = std::make_unique<State>(State{path, name, map_file(path, name), {}, {}, {}});
  State& s = *state_;
  s.contents = parse_gguf(s.mapping.bytes(), s.name);
  s.key_index.reserve(s.contents.metadata.size());
  for (size_t i = 0; i < s.contents.metadata.size(); ++i) s.key_index.emplace(s.contents.metadata[i].key, i);
  s.tensor_index.reserve(s.contents.tensors.size());
  for (size_t i = 0; i < s.contents.tensors.size(); ++i) s.tensor_index.emplace(s.contents.tensors[i].name, i);
}

GgufFile::~GgufFile() = default;
GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;

const std::filesystem::path& GgufFile::path() const { return state_->path; }
uint32_t GgufFile::version() const { return state_->contents.version; }
uint32_t GgufFile::alignment() const { return state_->contents.alignment; }
size_t GgufFile::data_offset() const { return state_->contents.data_offset; }
size_t GgufFile::file_size() const { return state_->mapping.size(); }

std::span<const GgufKeyValue> GgufFile::metadata() const { return state_->contents.metadata; }
bool GgufFile::has(std::string_view key) const { return state_->lookup(key) != nullptr; }
const GgufValue* GgufFile::find(std::string_view key) const { return state_->lookup(key); }
const GgufValue& GgufFile::value(std::string_view key) const { return state_->expect(key); }

uint8_t GgufFile::get_u8(std::string_view key) const { return state_->integer<uint8_t>(key, value(key)); }
uint32_t GgufFile::get_u32(std::string_view key) const { return state_->integer<uint32_t>(key, value(key)); }
int32_t GgufFile::get_i32(std::string_view key) const { return state_->integer<int32_t>(key, value(key)); }
uint64_t GgufFile::get_u64(std::string_view key) const { return state_->integer<uint64_t>(key, value(key)); }
int64_t GgufFile::get_i64(std::string_view key) const { return state_->integer<int64_t>(key, value(key)); }

float GgufFile::get_f32(std::string_view key) const {
  return static_cast<float>(state_->floating(key, value(key), "f32"));
}

double GgufFile::get_f64(std::string_view key) const { return state_->floating(key, value(key), "f64"); }

bool GgufFile::get_bool(std::string_view key) const {
  const GgufValue& v = value(key);
  if (v.type() != GgufValueType::kBool) state_->wrong_type(key, "bool", v);
  return std::get<bool>(v.data);
}

std::string_view GgufFile::get_string(std::string_view key) const {
  const GgufValue& v = value(key);
  if (v.type() != GgufValueType::kString) state_->wrong_type(key, "string", v);
  return std::get<std::string_view>(v.data);
}

std::optional<uint32_t> GgufFile::find_u32(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_u32(key);
}
std::optional<int32_t> GgufFile::find_i32(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_i32(key);
}
std::optional<uint64_t> GgufFile::find_u64(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_u64(key);
}
std::optional<int64_t> GgufFile::find_i64(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_i64(key);
}
std::optional<float> GgufFile::find_f32(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_f32(key);
}
std::optional<bool> GgufFile::find_bool(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_bool(key);
}
std::optional<std::string_view> GgufFile::find_string(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_string(key);
}

std::vector<std::string_view> GgufFile::get_string_array(std::string_view key) const {
  return state_->string_array(key, value(key));
}
std::vector<int32_t> GgufFile::get_i32_array(std::string_view key) const {
  return state_->integer_array<int32_t>(key, value(key));
}
std::vector<uint32_t> GgufFile::get_u32_array(std::string_view key) const {
  return state_->integer_array<uint32_t>(key, value(key));
}
std::vector<int64_t> GgufFile::get_i64_array(std::string_view key) const {
  return state_->integer_array<int64_t>(key, value(key));
}
std::vector<float> GgufFile::get_f32_array(std::string_view key) const {
  return state_->float_array(key, value(key));
}
std::vector<bool> GgufFile::get_bool_array(std::string_view key) const {
  return state_->bool_array(key, value(key));
}

std::optional<std::vector<std::string_view>> GgufFile::find_string_array(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_string_array(key);
}
std::optional<std::vector<int32_t>> GgufFile::find_i32_array(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_i32_array(key);
}
std::optional<std::vector<uint32_t>> GgufFile::find_u32_array(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_u32_array(key);
}
std::optional<std::vector<float>> GgufFile::find_f32_array(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_f32_array(key);
}
std::optional<std::vector<bool>> GgufFile::find_bool_array(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_bool_array(key);
}

std::span<const GgufTensor> GgufFile::tensors() const { return state_->contents.tensors; }

const GgufTensor* GgufFile::find_tensor(std::string_view name) const {
  const auto it = state_->tensor_index.find(name);
  return it == state_->tensor_index.end() ? nullptr : &state_->contents.tensors[it->second];
}

const GgufTensor& GgufFile::tensor(std::string_view name) const {
  const GgufTensor* t = find_tensor(name);
  if (t == nullptr) state_->fail("missing tensor '" + std::string(name) + "'");
  return *t;
}

const GgufTensor& GgufFile::require_tensor(std::string_view name, std::initializer_list<GgmlType> types,
                                           std::initializer_list<int64_t> ne) const {
  const GgufTensor& t = tensor(name);
  const std::string context = "tensor '" + std::string(name) + "'";
  bool type_ok = false;
  std::string expected_types;
  if (types.size() == 0) {
    type_ok = is_supported(t.type);
    expected_types = "a type earshot supports: F32, F16, BF16, Q8_0, Q4_0, Q4_K or Q6_K";
  } else {
    for (GgmlType allowed : types) {
      type_ok = type_ok || allowed == t.type;
      expected_types += (expected_types.empty() ? "" : ", ") + std::string(type_name(allowed));
    }
    if (types.size() > 1) expected_types = "one of " + expected_types;
  }
  if (!type_ok) {
    state_->fail(context + ": type " + std::string(type_name(t.type)) +
                 (is_supported(t.type) ? " is not accepted here" : " is not supported") + " (expected " +
                 expected_types + ")");
  }

  bool shape_ok = ne.size() <= static_cast<size_t>(kGgufMaxDims);
  std::string expected_shape = "[";
  int d = 0;
  for (int64_t extent : ne) {
    expected_shape += (d ? ", " : "") + (extent == kAnyDim ? std::string("*") : std::to_string(extent));
    if (d < kGgufMaxDims && extent != kAnyDim && t.ne[d] != extent) shape_ok = false;
    ++d;
  }
  expected_shape += "]";
  for (; d < kGgufMaxDims; ++d) {
    if (t.ne[d] != 1) shape_ok = false;
  }
  if (!shape_ok) {
    state_->fail(context + ": shape " + t.describe_shape() + " does not match the expected " + expected_shape);
  }
  return t;
}

}  // namespace earshot::model
