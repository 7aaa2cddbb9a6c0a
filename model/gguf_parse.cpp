// parse_gguf: the validating GGUF parser behind GgufFile.
#include <algorithm>
#include <bit>
#include <cstring>
#include <cstdio>
#include <unordered_set>

#include "model/gguf_file.h"

namespace earshot::model {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF is read as little-endian");

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr size_t kHeaderBytes = 4 + 4 + 8 + 8;  // magic, version, n_tensors, n_kv
constexpr size_t kMinKeyValueBytes = 8 + 4 + 1;  // key length, value type, 1-byte value
constexpr size_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // name length, n_dims, type, offset
constexpr int kMaxArrayDepth = 8;
// The longest arrays of real models are vocabularies of a few hundred thousand
// tokens. A corrupt count is refused before memory is reserved for it: each
// element takes a 40-byte GgufValue, ten times what an i32 takes in the file.
constexpr uint64_t kMaxArrayElements = uint64_t{1} << 24;
// The GGUF spec: general.alignment is a multiple of 8. Tensor data is used in
// place (as floats, among others); a smaller alignment leaves it misaligned.
constexpr uint32_t kMinAlignment = 8;

std::string quoted(std::string_view s) {
  // Names in messages are capped so a corrupt 1 GB "name" stays readable.
  constexpr size_t kMaxShown = 80;
  std::string out = "'";
  out.append(s.substr(0, kMaxShown));
  if (s.size() > kMaxShown) out += "...";
  return out + "'";
}

std::string show_magic(const uint8_t* p) {
  std::string out = "'";
  for (int i = 0; i < 4; ++i) out += (p[i] >= 0x20 && p[i] < 0x7f) ? static_cast<char>(p[i]) : '?';
  char hex[16];
  std::snprintf(hex, sizeof hex, "' (%02x %02x %02x %02x)", p[0], p[1], p[2], p[3]);
  return out + hex;
}

bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

// Reads little-endian fields from the image, never past its end. Errors
// start with the file name and the current context ("key 'x'", "tensor 'y'"),
// which the parser sets as it goes; messages are only built on failure.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  void set_context(std::string context) { context_ = std::move(context); }

  [[noreturn]] void fail(const std::string& what) const {
    throw GgufError(name_ + ": " + (context_.empty() ? "" : context_ + ": ") + what);
  }

  template <typename T>
  T read(std::string_view what) {
    require(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  std::string_view read_string(std::string_view what) {
    const auto length = read<uint64_t>(what);
    if (length > remaining()) {
      fail(std::string(what) + ": string length " + std::to_string(length) + " at offset " +
           std::to_string(pos_ - 8) + " exceeds the " + std::to_string(remaining()) +
           " bytes left in the file");
    }
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return s;
  }

 private:
  void require(size_t n, std::string_view what) const {
    if (n > remaining()) {
      fail("truncated file: " + std::string(what) + " needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + " but only " + std::to_string(remaining()) + " remain (file size " +
           std::to_string(bytes_.size()) + ")");
    }
  }

  std::span<const uint8_t> bytes_;
  const std::string& name_;
  std::string context_;
  size_t pos_ = 0;
};

size_t min_value_bytes(uint32_t type_id) {
  switch (static_cast<GgufValueType>(type_id)) {
    case GgufValueType::kU8:
    case GgufValueType::kI8:
    case GgufValueType::kBool: return 1;
    case GgufValueType::kU16:
    case GgufValueType::kI16: return 2;
    case GgufValueType::kU32:
    case GgufValueType::kI32:
    case GgufValueType::kF32: return 4;
    case GgufValueType::kU64:
    case GgufValueType::kI64:
    case GgufValueType::kF64:
    case GgufValueType::kString: return 8;  // a string's length field
    case GgufValueType::kArray: return 4 + 8;  // element type and count
  }
  return 1;
}

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const std::string& name)
      : bytes_(bytes), in_(bytes, name) {}

  GgufContents parse() {
    read_header();
    read_metadata();
    read_alignment();
    read_tensor_infos();
    place_tensors();
    return std::move(out_);
  }

 private:
  void read_header() {
    if (bytes_.size() < kHeaderBytes) {
      in_.fail("file is " + std::to_string(bytes_.size()) + " bytes, smaller than the " +
               std::to_string(kHeaderBytes) + "-byte GGUF header");
    }
    if (std::memcmp(bytes_.data(), kMagic, 4) != 0) {
      in_.fail("bad magic: expected 'GGUF' (47 47 55 46), found " + show_magic(bytes_.data()));
    }
    in_.read<uint32_t>("magic");
    const auto version = in_.read<uint32_t>("version");
    if (version == 1) in_.fail("GGUF version 1 is not supported (expected 2 or 3)");
    if (version != 2 && version != 3) {
      const bool swapped = version == 0x02000000u || version == 0x03000000u;
      in_.fail("unsupported GGUF version " + std::to_string(version) + " (expected 2 or 3)" +
               (swapped ? "; this looks like a big-endian file, which is not supported" : ""));
    }
    out_.version = version;
    n_tensors_ = in_.read<uint64_t>("tensor count");
    n_kv_ = in_.read<uint64_t>("metadata count");
    const size_t left = in_.remaining();
    if (n_kv_ > left / kMinKeyValueBytes) {
      in_.fail("metadata count " + std::to_string(n_kv_) + " needs at least " + bytes_needed(n_kv_, kMinKeyValueBytes) +
               " bytes but the file has " + std::to_string(left) + " after the header");
    }
    if (n_tensors_ > left / kMinTensorInfoBytes ||
        n_kv_ * kMinKeyValueBytes + n_tensors_ * kMinTensorInfoBytes > left) {
      in_.fail("tensor count " + std::to_string(n_tensors_) + " needs at least " +
               bytes_needed(n_tensors_, kMinTensorInfoBytes) + " bytes of tensor infos but the file has " +
               std::to_string(left) + " after the header");
    }
  }

  static std::string bytes_needed(uint64_t count, size_t each) {
    uint64_t total = 0;
    if (!checked_mul(count, each, &total)) return "more than 2^64";
    return std::to_string(total);
  }

  void read_metadata() {
    out_.metadata.reserve(n_kv_);
    std::unordered_set<std::string_view> seen;
    seen.reserve(n_kv_);
    for (uint64_t i = 0; i < n_kv_; ++i) {
      in_.set_context("metadata entry " + std::to_string(i));
      const std::string_view key = in_.read_string("key");
      if (key.empty()) in_.fail("empty key");
      in_.set_context("");
      if (!seen.insert(key).second) in_.fail("duplicate key " + quoted(key));
      in_.set_context("key " + quoted(key));
      const auto type_id = in_.read<uint32_t>("value type");
      out_.metadata.push_back({key, read_value(type_id, 0)});
    }
    in_.set_context("");
  }

  GgufValue read_value(uint32_t type_id, int depth) {
    constexpr std::string_view what = "value";
    switch (type_id) {
      case 0: return {in_.read<uint8_t>(what)};
      case 1: return {in_.read<int8_t>(what)};
      case 2: return {in_.read<uint16_t>(what)};
      case 3: return {in_.read<int16_t>(what)};
      case 4: return {in_.read<uint32_t>(what)};
      case 5: return {in_.read<int32_t>(what)};
      case 6: return {in_.read<float>(what)};
      case 7: {
        const auto b = in_.read<uint8_t>(what);
        if (b > 1) in_.fail("bool value " + std::to_string(b) + " is neither 0 nor 1");
        return {b == 1};
      }
      case 8: return {in_.read_string(what)};
      case 9: return {read_array(depth)};
      case 10: return {in_.read<uint64_t>(what)};
      case 11: return {in_.read<int64_t>(what)};
      case 12: return {in_.read<double>(what)};
      default:
        in_.fail("unknown value type " + std::to_string(type_id) + " (expected 0.." +
                 std::to_string(kGgufValueTypeCount - 1) + ")");
    }
  }

  GgufArray read_array(int depth) {
    if (depth >= kMaxArrayDepth) {
      in_.fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    }
    const auto element_type = in_.read<uint32_t>("array element type");
    if (element_type >= kGgufValueTypeCount) {
      in_.fail("array element type " + std::to_string(element_type) +
               " is not a GGUF value type (expected 0.." + std::to_string(kGgufValueTypeCount - 1) + ")");
    }
    const auto count = in_.read<uint64_t>("array length");
    const size_t each = min_value_bytes(element_type);
    if (count > in_.remaining() / each) {
      in_.fail("array of " + std::to_string(count) + " " + value_type_name(element_type) +
               " needs at least " + bytes_needed(count, each) + " bytes but only " +
               std::to_string(in_.remaining()) + " remain");
    }
    if (count > kMaxArrayElements) {
      in_.fail("array of " + std::to_string(count) + " " + value_type_name(element_type) +
               " is longer than the " + std::to_string(kMaxArrayElements) +
               " elements a metadata array may hold (a corrupt count?)");
    }
    GgufArray array;
    array.element_type = static_cast<GgufValueType>(element_type);
    array.elements.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      array.elements.push_back(read_value(element_type, depth + 1));
    }
    return array;
  }

  void read_alignment() {
    for (const GgufKeyValue& kv : out_.metadata) {
      if (kv.key != "general.alignment") continue;
      if (kv.value.type() != GgufValueType::kU32) {
        in_.fail("key 'general.alignment': expected u32, found " + kv.value.describe_type());
      }
      const uint32_t alignment = std::get<uint32_t>(kv.value.data);
      if (alignment == 0 || !std::has_single_bit(alignment)) {
        in_.fail("key 'general.alignment': expected a power of two, found " + std::to_string(alignment));
      }
      if (alignment % kMinAlignment != 0) {
        in_.fail("key 'general.alignment': expected a multiple of " +
                 std::to_string(kMinAlignment) + " (the GGUF spec), found " +
                 std::to_string(alignment));
      }
      out_.alignment = alignment;
    }
  }

  void read_tensor_infos() {
    out_.tensors.reserve(n_tensors_);
    std::unordered_set<std::string_view> seen;
    seen.reserve(n_tensors_);
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      GgufTensor t;
      in_.set_context("tensor info " + std::to_string(i));
      t.name = in_.read_string("name");
      if (t.name.empty()) in_.fail("empty tensor name");
      in_.set_context("");
      if (!seen.insert(t.name).second) in_.fail("duplicate tensor " + quoted(t.name));
      in_.set_context("tensor " + quoted(t.name));

      const auto n_dims = in_.read<uint32_t>("n_dims");
      if (n_dims > kGgufMaxDims) {
        in_.fail("n_dims " + std::to_string(n_dims) + " exceeds the maximum of " + std::to_string(kGgufMaxDims));
      }
      t.n_dims = static_cast<int>(n_dims);
      for (uint32_t d = 0; d < n_dims; ++d) {
        t.ne[d] = in_.read<int64_t>("ne");
        if (t.ne[d] < 0) {
          in_.fail("ne[" + std::to_string(d) + "] is " + std::to_string(t.ne[d]) + " (expected >= 0)");
        }
      }
      const auto type_id = in_.read<uint32_t>("type");
      const auto traits = find_type_traits(type_id);
      if (!traits) in_.fail("unknown ggml type id " + std::to_string(type_id));
      t.type = traits->type;
      t.offset = in_.read<uint64_t>("data offset");
      t.n_bytes = byte_size(t, *traits);
      out_.tensors.push_back(t);
    }
    in_.set_context("");
  }

  size_t byte_size(const GgufTensor& t, const TypeTraits& traits) const {
    uint64_t n_elements = 1;
    for (int d = 0; d < kGgufMaxDims; ++d) {
      if (!checked_mul(n_elements, static_cast<uint64_t>(t.ne[d]), &n_elements) ||
          n_elements > static_cast<uint64_t>(INT64_MAX)) {
        in_.fail("size overflow: shape " + t.describe_shape() + " has more than 2^63 elements");
      }
    }
    if (t.ne[0] % traits.block_size != 0) {
      in_.fail("ne[0] = " + std::to_string(t.ne[0]) + " is not a multiple of " +
               std::string(traits.name) + "'s block size " + std::to_string(traits.block_size));
    }
    uint64_t n_bytes = 0;
    if (!checked_mul(n_elements / traits.block_size, traits.type_size, &n_bytes)) {
      in_.fail("size overflow: " + std::to_string(n_elements) + " " +
               std::string(traits.name) + " values need more than 2^64 bytes");
    }
    return n_bytes;
  }

  void place_tensors() {
    const size_t alignment = out_.alignment;
    const size_t end_of_infos = in_.position();
    out_.data_offset = (end_of_infos + alignment - 1) / alignment * alignment;
    const size_t file_size = bytes_.size();
    if (out_.tensors.empty()) return;
    if (out_.data_offset > file_size) {
      in_.fail("data section would start at offset " + std::to_string(out_.data_offset) +
               ", past the end of the file (size " + std::to_string(file_size) + ")");
    }
    const size_t data_size = file_size - out_.data_offset;
    for (GgufTensor& t : out_.tensors) {
      const std::string context = "tensor " + quoted(t.name);
      if (t.offset % alignment != 0) {
        in_.fail(context + ": data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                 std::to_string(alignment));
      }
      if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
        in_.fail(context + ": data [" + std::to_string(t.offset) + ", +" + std::to_string(t.n_bytes) +
                 ") of the data section at " + std::to_string(out_.data_offset) +
                 " ends past the end of the file (size " + std::to_string(file_size) + ")");
      }
      t.data = bytes_.data() + out_.data_offset + t.offset;
    }
    check_overlaps();
  }

  void check_overlaps() const {
    std::vector<const GgufTensor*> by_offset;
    by_offset.reserve(out_.tensors.size());
    for (const GgufTensor& t : out_.tensors) {
      if (t.n_bytes > 0) by_offset.push_back(&t);
    }
    std::stable_sort(by_offset.begin(), by_offset.end(),
              [](const GgufTensor* a, const GgufTensor* b) { return a->offset < b->offset; });
    const GgufTensor* furthest = nullptr;  // of the tensors seen so far, the one ending last
    for (const GgufTensor* next : by_offset) {
      if (furthest != nullptr && next->offset < furthest->offset + furthest->n_bytes) {
        const GgufTensor& a = *furthest;
        const GgufTensor& b = *next;
        in_.fail("tensors " + quoted(a.name) + " [" + std::to_string(a.offset) + ", +" +
                 std::to_string(a.n_bytes) + ") and " + quoted(b.name) + " [" + std::to_string(b.offset) +
                 ", +" + std::to_string(b.n_bytes) + ") overlap");
      }
      if (furthest == nullptr || next->offset + next->n_bytes > furthest->offset + furthest->n_bytes) {
        furthest = next;
      }
    }
  }

  std::span<const uint8_t> bytes_;
  Cursor in_;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  GgufContents out_;
};

}  // namespace

std::string GgufTensor::describe_shape() const {
  std::string out = "[";
  const int n = std::max(n_dims, 1);
  for (int d = 0; d < n; ++d) out += (d ? ", " : "") + std::to_string(ne[d]);
  return out + "]";
}

GgufContents parse_gguf(std::span<const uint8_t> bytes, const std::string& name) {
  return Parser(bytes, name).parse();
}

}  // namespace earshot::model
