// `earshot transcribe --translate`: whole clips through Gemma 4's translation
// prompt, each answer split into its transcription and its translation
// (stream/translation_answer.h); an answer that ends after the transcription
// is continued after a label the translator writes (stream/translation_decode.h).
// The prompt and the decoding are the streaming session's
// (stream/engine_decoder.h), run once over the whole clip.
//
//   ClipTranslator t(model, 2, model::language_of("en"), model::language_of("es"));
//   stream::TranslationAnswer answer;
//   if (t.translate(samples, answer)) puts(answer.translation.value_or("").c_str());
//
// Thread contract: one thread at a time; the Model may be shared.
#pragma once

#include <span>

#include "model/language_names.h"
#include "model/model.h"
#include "stream/engine_decoder.h"
#include "stream/translation_answer.h"

namespace earshot::cli {

class ClipTranslator {
 public:
  // Throws like stream::EngineDecoder (no audio projector, a vocabulary without
  // the prompt's tokens).
  // beam_width 0: greedy decoding.
  ClipTranslator(const model::Model& model, int n_threads, const model::Language& spoken,
                 const model::Language& target, int beam_width, double token_bonus);

  // `clip`: 16 kHz mono, up to the clip limit. False on a model error
  // (last_error() says which); `out` is then empty.
  bool translate(std::span<const float> clip, stream::TranslationAnswer& out);
  model::Status last_error() const { return decoder_.last_error(); }
  // Answers that ended after the transcription, whose "\nSpanish:" the
  // translator wrote (stream/translation_decode.h).
  int n_labels_written() const { return n_labels_written_; }

 private:
  stream::EngineDecoder decoder_;
  model::Language target_;
  int n_labels_written_ = 0;
};

}  // namespace earshot::cli
