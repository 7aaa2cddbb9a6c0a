// Test-only GGUF image builder: writes valid files field by field, and lets a
// test override any field (counts, magic, version, tensor offsets, type ids,
// n_dims) to produce exactly one kind of corruption.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace earshot::model::testing {

using Bytes = std::vector<uint8_t>;

template <typename T>
void put(Bytes& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}

inline void put_string(Bytes& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

inline void put_bytes(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

// Encoded metadata values: the u32 type id followed by the value.
template <typename T>
Bytes kv_scalar(uint32_t type_id, T value) {
  Bytes b;
  put<uint32_t>(b, type_id);
  put<T>(b, value);
  return b;
}
inline Bytes kv_u8(uint8_t v) { return kv_scalar<uint8_t>(0, v); }
inline Bytes kv_i8(int8_t v) { return kv_scalar<int8_t>(1, v); }
inline Bytes kv_u16(uint16_t v) { return kv_scalar<uint16_t>(2, v); }
inline Bytes kv_i16(int16_t v) { return kv_scalar<int16_t>(3, v); }
inline Bytes kv_u32(uint32_t v) { return kv_scalar<uint32_t>(4, v); }
inline Bytes kv_i32(int32_t v) { return kv_scalar<int32_t>(5, v); }
inline Bytes kv_f32(float v) { return kv_scalar<float>(6, v); }
inline Bytes kv_bool(bool v) { return kv_scalar<uint8_t>(7, v ? 1 : 0); }
inline Bytes kv_u64(uint64_t v) { return kv_scalar<uint64_t>(10, v); }
inline Bytes kv_i64(int64_t v) { return kv_scalar<int64_t>(11, v); }
inline Bytes kv_f64(double v) { return kv_scalar<double>(12, v); }
inline Bytes kv_string(const std::string& s) {
  Bytes b;
  put<uint32_t>(b, 8);
  put_string(b, s);
  return b;
}

// An array value: element type, count, then `payload` (the encoded elements).
inline Bytes kv_array_raw(uint32_t element_type, uint64_t count, const Bytes& payload) {
  Bytes b;
  put<uint32_t>(b, 9);
  put<uint32_t>(b, element_type);
  put<uint64_t>(b, count);
  put_bytes(b, payload);
  return b;
}

template <typename T>
Bytes kv_array(uint32_t element_type, const std::vector<T>& values) {
  Bytes payload;
  for (const T& v : values) put<T>(payload, v);
  return kv_array_raw(element_type, values.size(), payload);
}

inline Bytes kv_string_array(const std::vector<std::string>& values) {
  Bytes payload;
  for (const std::string& v : values) put_string(payload, v);
  return kv_array_raw(8, values.size(), payload);
}

struct TestTensor {
  std::string name;
  uint32_t type_id = 0;         // ggml type id
  std::vector<int64_t> ne;      // ggml order
  Bytes data;
  std::optional<uint64_t> offset;  // default: packed after the previous tensor
  std::optional<uint32_t> n_dims;  // default: ne.size()
};

struct GgufImage {
  std::string magic = "GGUF";
  uint32_t version = 3;
  std::optional<uint64_t> n_tensors;  // default: tensors.size()
  std::optional<uint64_t> n_kv;       // default: kvs.size()
  uint32_t alignment = 32;            // placement only; add general.alignment yourself
  std::vector<std::pair<std::string, Bytes>> kvs;
  std::vector<TestTensor> tensors;

  GgufImage& kv(const std::string& key, Bytes value) {
    kvs.emplace_back(key, std::move(value));
    return *this;
  }

  GgufImage& tensor(const std::string& name, uint32_t type_id, std::vector<int64_t> ne, Bytes data) {
    tensors.push_back(TestTensor{name, type_id, std::move(ne), std::move(data), std::nullopt, std::nullopt});
    return *this;
  }

  Bytes build() const {
    Bytes out(magic.begin(), magic.end());
    put<uint32_t>(out, version);
    put<uint64_t>(out, n_tensors.value_or(tensors.size()));
    put<uint64_t>(out, n_kv.value_or(kvs.size()));
    for (const auto& [key, value] : kvs) {
      put_string(out, key);
      put_bytes(out, value);
    }
    std::vector<uint64_t> offsets;
    uint64_t next = 0;
    for (const TestTensor& t : tensors) {
      const uint64_t offset = t.offset.value_or(next);
      offsets.push_back(offset);
      next = align(offset + t.data.size());
      put_string(out, t.name);
      put<uint32_t>(out, t.n_dims.value_or(static_cast<uint32_t>(t.ne.size())));
      for (int64_t extent : t.ne) put<int64_t>(out, extent);
      put<uint32_t>(out, t.type_id);
      put<uint64_t>(out, offset);
    }
    out.resize(align(out.size()), 0);
    const size_t data_start = out.size();
    for (size_t i = 0; i < tensors.size(); ++i) {
      const size_t at = data_start + offsets[i];
      if (out.size() < at + tensors[i].data.size()) out.resize(at + tensors[i].data.size(), 0);
      if (!tensors[i].data.empty()) std::memcpy(out.data() + at, tensors[i].data.data(), tensors[i].data.size());
    }
    return out;
  }

 private:
  uint64_t align(uint64_t n) const { return (n + alignment - 1) / alignment * alignment; }
};

// A per-process scratch folder, removed by the caller's fixture if wanted.
inline std::filesystem::path scratch_dir(const std::string& suite) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("earshot_" + suite + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::filesystem::path write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

template <typename T>
Bytes bytes_of(const std::vector<T>& values) {
  Bytes b(values.size() * sizeof(T));
  std::memcpy(b.data(), values.data(), b.size());
  return b;
}

}  // namespace earshot::model::testing
