#include "model/model.h"

#include <string>

namespace earshot::model {
namespace {

size_t matrix_bytes(const WeightMatrix& w) { return w.data ? static_cast<size_t>(w.n_rows) * w.row_stride : 0; }

}  // namespace

Model::Model(GgufFile text_file) : text_file_(std::move(text_file)) {}

std::unique_ptr<Model> Model::load(const std::filesystem::path& text_path,
                                   const std::filesystem::path& mmproj_path) {
  std::unique_ptr<Model> m(new Model(GgufFile(text_path)));
  m->hparams_ = read_text_hparams(m->text_file_);
  m->decoder_ = load_decoder_weights(m->text_file_, m->hparams_);
  m->tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf(m->text_file_));
  if (m->tokenizer_->n_tokens() != static_cast<size_t>(m->hparams_.n_vocab)) {
    throw GgufError(text_path.string() + ": key 'tokenizer.ggml.tokens': expected " +
                    std::to_string(m->hparams_.n_vocab) + " tokens (rows of token_embd), found " +
                    std::to_string(m->tokenizer_->n_tokens()));
  }
  if (!mmproj_path.empty()) {
    m->mmproj_file_.emplace(mmproj_path);
    const std::string_view arch = m->mmproj_file_->get_string("general.architecture");
    if (arch != "clip") {
      throw GgufError(mmproj_path.string() + ": key 'general.architecture': expected \"clip\", found \"" +
                      std::string(arch) + "\"");
    }
    m->projector_ = load_projector(*m->mmproj_file_, m->hparams_.n_embd);
  } else if (has_audio_projector(m->text_file_)) {
    m->projector_ = load_projector(m->text_file_, m->hparams_.n_embd);
  }
  return m;
}

size_t Model::weight_bytes() const {
  size_t n = matrix_bytes(decoder_.token_embd);
  for (const LayerWeights& l : decoder_.layers) {
    n += matrix_bytes(l.attn_q) + matrix_bytes(l.attn_k) + matrix_bytes(l.attn_v) + matrix_bytes(l.attn_output) +
         matrix_bytes(l.ffn_gate) + matrix_bytes(l.ffn_up) + matrix_bytes(l.ffn_down);
  }
  if (projector_) n += matrix_bytes(projector_->input_projection);
  return n;
}

}  // namespace earshot::model
