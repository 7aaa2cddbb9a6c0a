// A read-only memory mapping of a whole file (RAII over open/mmap/munmap).
//
//   MappedFile file("model.gguf");       // throws std::system_error with the path
//   std::span<const uint8_t> b = file.bytes();
//
// An empty file maps to an empty span (mmap cannot map zero bytes).
// Thread contract: immutable after construction; bytes() may be read from any
// thread while the object lives. Move-only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace earshot::model {

class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  size_t size() const { return size_; }

 private:
  void release() noexcept;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace earshot::model
