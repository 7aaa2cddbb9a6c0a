// Tokenizer::from_gguf: the tokenizer.ggml.* keys of a text model's GGUF, as
// llama.cpp reads them for `tokenizer.ggml.model = "gemma4"`.
#include "model/gguf_file.h"
#include "model/tokenizer.h"

namespace earshot::model {

Tokenizer Tokenizer::from_gguf(const GgufFile& file) {
  const std::string where = file.path().string() + ": ";
  const std::optional<std::string_view> model = file.find_string("tokenizer.ggml.model");
  if (!model) throw TokenizerError(where + "no tokenizer.ggml.model");
  if (*model != "gemma4") {
    throw TokenizerError(where + "tokenizer.ggml.model is '" + std::string(*model) +
                         "', earshot reads 'gemma4'");
  }
  TokenizerVocab vocab;
  for (std::string_view token : file.get_string_array("tokenizer.ggml.tokens")) {
    vocab.tokens.emplace_back(token);
  }
  if (!file.has("tokenizer.ggml.merges")) throw TokenizerError(where + "no tokenizer.ggml.merges");
  for (std::string_view merge : file.get_string_array("tokenizer.ggml.merges")) {
    vocab.merges.emplace_back(merge);
  }
  if (auto types = file.find_i32_array("tokenizer.ggml.token_type")) vocab.token_types = std::move(*types);
  if (auto scores = file.find_f32_array("tokenizer.ggml.scores")) vocab.scores = std::move(*scores);
  const auto special_id = [&](const char* key) -> TokenId {
    const std::optional<uint32_t> id = file.find_u32(key);
    if (!id) return -1;
    if (*id >= vocab.tokens.size()) {
      throw TokenizerError(where + key + " = " + std::to_string(*id) + " is outside the " +
                           std::to_string(vocab.tokens.size()) + " tokens");
    }
    return static_cast<TokenId>(*id);
  };
  vocab.bos_id = special_id("tokenizer.ggml.bos_token_id");
  vocab.eos_id = special_id("tokenizer.ggml.eos_token_id");
  try {
    return Tokenizer(std::move(vocab));
  } catch (const TokenizerError& e) {
    throw TokenizerError(where + e.what());
  }
}

}  // namespace earshot::model
