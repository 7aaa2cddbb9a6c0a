#include "cli/clip_translator.h"

#include <algorithm>
#include <vector>

#include "audio/frame_chunker.h"
#include "model/greedy.h"
#include "model/prompt.h"
#include "stream/translation_decode.h"

namespace earshot::cli {
namespace {

stream::EngineDecoderParams params_of(int n_threads, const model::Language& spoken,
                                      const model::Language& target, int beam_width, double token_bonus) {
  stream::EngineDecoderParams params;
  params.session.n_threads = n_threads;
  params.final_beam_width = beam_width;  // a whole answer, decoded as a segment's final
  params.token_bonus = token_bonus;
  params.instruction = model::translation_instruction(spoken.name, target.name);
  return params;
}

}  // namespace

ClipTranslator::ClipTranslator(const model::Model& model, int n_threads, const model::Language& spoken,
                               const model::Language& target, int beam_width, double token_bonus)
    : decoder_(model, params_of(n_threads, spoken, target, beam_width, token_bonus)), target_(target) {}

bool ClipTranslator::translate(std::span<const float> clip, stream::TranslationAnswer& out) {
  out = {};
  // The decoder takes whole 40 ms frames: the last one is padded with silence.
  std::vector<float> frames(clip.begin(), clip.end());
  // An empty clip still gets one frame, as in training.
  const size_t n_frames = std::max<size_t>(1, (frames.size() + audio::kFrameSamples - 1) / audio::kFrameSamples);
  frames.resize(n_frames * audio::kFrameSamples, 0.0f);
  if (decoder_.begin_segment() != stream::DecodeStatus::kOk) return false;
  if (decoder_.append_audio(frames) != stream::DecodeStatus::kOk) return false;
  const double seconds = static_cast<double>(clip.size()) / audio::kModelSampleRate;
  stream::Hypothesis hyp;
  bool label_written = false;
  if (stream::decode_translation_answer(decoder_, {}, model::max_tokens_for_translation(seconds), target_, hyp,
                                        label_written) != stream::DecodeStatus::kOk) {
    return false;
  }
  n_labels_written_ += label_written ? 1 : 0;
  out = stream::split_translation_answer(decoder_.text_of(hyp.tokens), target_);
  return true;
}

}  // namespace earshot::cli
