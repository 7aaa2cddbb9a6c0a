// A GGUF (v2 or v3) file: its metadata and its tensors, read in place from a
// read-only memory mapping.
//
//   GgufFile file("model.gguf");                     // validates everything
//   uint32_t n_layer = file.get_u32("gemma4.block_count");
//   const GgufTensor& w = file.require_tensor(
//       "blk.0.attn_q.weight", {GgmlType::kQ8_0, GgmlType::kQ4_K}, {n_embd, n_q});
//   // w.data points into the mapping; w.ne[0] is the contiguous dimension.
//
// Opening checks the whole layout (magic, version, counts against the file
// size, string lengths, value types, duplicate keys and tensor names, tensor
// types and ranks, size overflow, alignment and every tensor's byte range), so
// that nothing read later can leave the file. Every failure is a GgufError
// whose message names the file, the key or tensor, and expected vs found.
//
// Integer getters accept any integer value type whose value fits the asked
// type (writers differ in u32 vs i32); float getters accept f32 or f64; the
// others want the exact type. find_* return nullopt for a missing key and
// throw for a present key of the wrong type.
//
// Thread contract: immutable after construction; every const member may be
// called from any thread. Move-only; tensors' data pointers, keys and string
// values stay valid while the GgufFile lives (also across a move).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/ggml_types.h"
#include "model/gguf_value.h"

namespace earshot::model {

constexpr int kGgufMaxDims = 4;
constexpr uint32_t kGgufDefaultAlignment = 32;
constexpr int64_t kAnyDim = -1;  // wildcard in require_tensor's expected shape

struct GgufTensor {
  std::string_view name;
  GgmlType type = GgmlType::kF32;
  int n_dims = 0;
  std::array<int64_t, kGgufMaxDims> ne{1, 1, 1, 1};  // ggml order; unused dims are 1
  uint64_t offset = 0;                                // from the start of the data section
  const void* data = nullptr;                         // into the mapping
  size_t n_bytes = 0;

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }  // rows of ne[0] values
  // "[3840, 15360]"
  std::string describe_shape() const;
};

// The parsed layout of a GGUF image; produced by parse_gguf.
struct GgufContents {
  uint32_t version = 0;
  uint32_t alignment = kGgufDefaultAlignment;
  size_t data_offset = 0;  // file offset of the data section
  std::vector<GgufKeyValue> metadata;  // in file order
  std::vector<GgufTensor> tensors;     // in file order
};

// Parses and validates a GGUF image held in memory. `name` (usually the path)
// starts every error message. Views in the result point into `bytes`.
GgufContents parse_gguf(std::span<const uint8_t> bytes, const std::string& name);

class GgufFile {
 public:
  explicit GgufFile(const std::filesystem::path& path);
  ~GgufFile();
  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;

  const std::filesystem::path& path() const;
  uint32_t version() const;
  uint32_t alignment() const;
  size_t data_offset() const;
  size_t file_size() const;

  // --- metadata ---
  std::span<const GgufKeyValue> metadata() const;
  bool has(std::string_view key) const;
  const GgufValue* find(std::string_view key) const;
  const GgufValue& value(std::string_view key) const;  // throws if missing

  uint8_t get_u8(std::string_view key) const;
  uint32_t get_u32(std::string_view key) const;
  int32_t get_i32(std::string_view key) const;
  uint64_t get_u64(std::string_view key) const;
  int64_t get_i64(std::string_view key) const;
  float get_f32(std::string_view key) const;
  double get_f64(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  std::string_view get_string(std::string_view key) const;

  std::optional<uint32_t> find_u32(std::string_view key) const;
  std::optional<int32_t> find_i32(std::string_view key) const;
  std::optional<uint64_t> find_u64(std::string_view key) const;
  std::optional<int64_t> find_i64(std::string_view key) const;
  std::optional<float> find_f32(std::string_view key) const;
  std::optional<bool> find_bool(std::string_view key) const;
  std::optional<std::string_view> find_string(std::string_view key) const;

  std::vector<std::string_view> get_string_array(std::string_view key) const;
  std::vector<int32_t> get_i32_array(std::string_view key) const;
  std::vector<uint32_t> get_u32_array(std::string_view key) const;
  std::vector<int64_t> get_i64_array(std::string_view key) const;
  std::vector<float> get_f32_array(std::string_view key) const;
  std::vector<bool> get_bool_array(std::string_view key) const;

  std::optional<std::vector<std::string_view>> find_string_array(std::string_view key) const;
  std::optional<std::vector<int32_t>> find_i32_array(std::string_view key) const;
  std::optional<std::vector<uint32_t>> find_u32_array(std::string_view key) const;
  std::optional<std::vector<float>> find_f32_array(std::string_view key) const;
  std::optional<std::vector<bool>> find_bool_array(std::string_view key) const;

  // --- tensors ---
  std::span<const GgufTensor> tensors() const;
  const GgufTensor* find_tensor(std::string_view name) const;
  const GgufTensor& tensor(std::string_view name) const;  // throws if missing

  // The tensor, checked: its type must be one of `types` (an empty list means
  // any type earshot supports) and its shape must equal `ne` (ggml order;
  // kAnyDim matches any extent; missing trailing dims must be 1).
  const GgufTensor& require_tensor(std::string_view name, std::initializer_list<GgmlType> types,
                                   std::initializer_list<int64_t> ne) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace earshot::model
