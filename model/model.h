// A loaded speech model: the text decoder, its tokenizer and the audio
// projector, read from GGUF in either form earshot and llama.cpp use:
//
//   auto split  = Model::load("text.gguf", "mmproj.gguf");  // text model + "clip" mmproj
//   auto single = Model::load("model.gguf");                 // one file holding both
//
// Weights stay in the files' read-only mappings (zero-copy); nothing is
// dequantized at load. Loading checks every key and tensor and throws
// GgufError (or TokenizerError) naming the file, key or tensor, and expected
// vs found. A model without a projector loads too (projector() is null) and
// can only take text.
//
// Thread contract: immutable after load; one Model is shared by any number of
// Sessions on any threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "model/audio_projector.h"
#include "model/decoder_weights.h"
#include "model/gguf_file.h"
#include "model/text_hparams.h"
#include "model/tokenizer.h"

namespace earshot::model {

class Model {
 public:
  // mmproj empty: the projector, if any, is taken from the text file.
  static std::unique_ptr<Model> load(const std::filesystem::path& text_path,
                                     const std::filesystem::path& mmproj_path = {});

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const TextHparams& hparams() const { return hparams_; }
  const DecoderWeights& decoder() const { return decoder_; }
  const ProjectorWeights* projector() const { return projector_ ? &*projector_ : nullptr; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const GgufFile& text_file() const { return text_file_; }
  size_t weight_bytes() const;  // bytes of all mapped tensors used

 private:
  explicit Model(GgufFile text_file);

  GgufFile text_file_;
  std::optional<GgufFile> mmproj_file_;
  TextHparams hparams_;
  DecoderWeights decoder_;
  std::optional<ProjectorWeights> projector_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

}  // namespace earshot::model
