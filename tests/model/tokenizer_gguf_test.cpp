#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/gguf_file.h"
#include "model/tokenizer.h"

namespace earshot::model {
namespace {

// Writes a GGUF v3 file with metadata only (no tensors).
class GgufWriter {
 public:
  void add_string(const std::string& key, const std::string& value) {
    begin(key, GgufValueType::kString);
    put_string(value);
  }
  void add_u32(const std::string& key, uint32_t value) {
    begin(key, GgufValueType::kU32);
    put(value);
  }
  void add_strings(const std::string& key, const std::vector<std::string>& values) {
    begin_array(key, GgufValueType::kString, values.size());
    for (const std::string& v : values) put_string(v);
  }
  void add_i32s(const std::string& key, const std::vector<int32_t>& values) {
    begin_array(key, GgufValueType::kI32, values.size());
    for (int32_t v : values) put(v);
  }
  void add_f32s(const std::string& key, const std::vector<float>& values) {
    begin_array(key, GgufValueType::kF32, values.size());
    for (float v : values) put(v);
  }
  void write(const std::filesystem::path& path) const {
    std::string header = "GGUF";
    const auto append = [&](const auto& v) { header.append(reinterpret_cast<const char*>(&v), sizeof v); };
    append(uint32_t{3});
    append(uint64_t{0});
    append(uint64_t{n_kv_});
    std::ofstream out(path, std::ios::binary);
    out << header << body_;
  }

 private:
  template <typename T>
  void put(T v) { body_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void put_string(const std::string& s) {
    put(uint64_t{s.size()});
    body_ += s;
  }
  void begin(const std::string& key, GgufValueType type) {
    ++n_kv_;
    put_string(key);
    put(static_cast<uint32_t>(type));
  }
  void begin_array(const std::string& key, GgufValueType type, size_t n) {
    begin(key, GgufValueType::kArray);
    put(static_cast<uint32_t>(type));
    put(uint64_t{n});
  }
  std::string body_;
  uint64_t n_kv_ = 0;
};

GgufWriter gemma4_vocab_writer() {
  GgufWriter w;
  w.add_string("general.architecture", "gemma4");
  w.add_string("tokenizer.ggml.model", "gemma4");
  w.add_strings("tokenizer.ggml.tokens", {"<pad>", "<eos>", "<bos>", "<unk>", "<0xC3>", "<0xA9>",
                                          "a", "b", "ab", "\xE2\x96\x81", "\xE2\x96\x81" "ab"});
  w.add_i32s("tokenizer.ggml.token_type", {3, 3, 3, 2, 6, 6, 1, 1, 1, 1, 1});
  w.add_f32s("tokenizer.ggml.scores", std::vector<float>(11, -1000.0f));
  w.add_strings("tokenizer.ggml.merges", {"a b", "\xE2\x96\x81 ab"});
  w.add_u32("tokenizer.ggml.bos_token_id", 2);
  w.add_u32("tokenizer.ggml.eos_token_id", 1);
  return w;
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("earshot_tokenizer_gguf_" + name + ".gguf");
}

TEST(TokenizerGguf, ReadsTheTokenizerKeys) {
  const auto path = temp_path("ok");
  gemma4_vocab_writer().write(path);
  const GgufFile file(path);
  const Tokenizer tok = Tokenizer::from_gguf(file);
  EXPECT_EQ(tok.n_tokens(), 11u);
  EXPECT_EQ(tok.n_merges(), 2u);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.encode("ab ab\xC3\xA9", true), (std::vector<TokenId>{2, 8, 10, 4, 5}));
  EXPECT_EQ(tok.score(6), -1000.0f);
  std::filesystem::remove(path);
}

TEST(TokenizerGguf, RejectsAnotherTokenizerModel) {
  const auto path = temp_path("llama");
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_strings("tokenizer.ggml.tokens", {"<bos>", "<eos>"});
  w.write(path);
  const GgufFile file(path);
  try {
    Tokenizer::from_gguf(file);
    FAIL() << "expected TokenizerError";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("'llama'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(TokenizerGguf, RejectsAMissingMergeList) {
  const auto path = temp_path("nomerges");
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gemma4");
  w.add_strings("tokenizer.ggml.tokens", {"<bos>", "<eos>"});
  w.write(path);
  const GgufFile file(path);
  EXPECT_THROW(Tokenizer::from_gguf(file), TokenizerError);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace earshot::model
