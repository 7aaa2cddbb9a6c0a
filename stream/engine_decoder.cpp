#include "stream/engine_decoder.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "model/beam_search.h"
#include "model/prompt.h"
#include "model/transcriber.h"

namespace earshot::stream {
namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581, a space in the vocabulary

// The session keeps the CTC head's log probabilities (when the model has a
// head) only for a decoder that scores with it.
model::SessionParams session_params(const EngineDecoderParams& params) {
  model::SessionParams s = params.session;
  s.keep_ctc_log_probs = params.ctc_weight > 0;
  return s;
}

}  // namespace

EngineDecoder::EngineDecoder(const model::Model& model, EngineDecoderParams params)
    : model_(model), params_(std::move(params)), session_(model, session_params(params_)) {
  if (model.projector() == nullptr) {
    throw std::invalid_argument("streaming needs a model with an audio projector (give --mmproj)");
  }
  const model::AudioPrompt prompt = model::build_audio_prompt(model.tokenizer(), params_.instruction, 0);
  prompt_prefix_.assign(prompt.ids.begin(), prompt.ids.begin() + prompt.audio_begin);
  prompt_suffix_.assign(prompt.ids.begin() + prompt.audio_end, prompt.ids.end());
  limits_.stop = model::stop_tokens(model.tokenizer());
}

int EngineDecoder::window_frames() const {
  const double frames = model::clip_window_seconds(model_) * model::kSampleRate / model::kFrameSamples;
  return std::min(params_.max_audio_frames, static_cast<int>(frames));
}

DecodeStatus EngineDecoder::fail(model::Status status) {
  last_error_ = status;
  return DecodeStatus::kFailed;
}

DecodeStatus EngineDecoder::prefill_prompt() {
  session_.reset();
  if (auto s = session_.prefill_tokens(prompt_prefix_); s != model::Status::kOk) return fail(s);
  prefix_end_ = session_.n_pos();
  return DecodeStatus::kOk;
}

DecodeStatus EngineDecoder::begin_segment() {
  n_frames_ = 0;
  session_.reset_audio();
  if (prefix_end_ < 0) return prefill_prompt();
  // Cheap when the segment was short; after a long one the sliding layers no
  // longer hold the prompt and it is prefilled again (a few dozen tokens).
  if (session_.rollback(prefix_end_) != model::Status::kOk) return prefill_prompt();
  return DecodeStatus::kOk;
}

DecodeStatus EngineDecoder::append_audio(std::span<const float> frames) {
  if (prefix_end_ < 0 && prefill_prompt() != DecodeStatus::kOk) return DecodeStatus::kFailed;
  if (auto s = session_.prefill_audio(frames); s != model::Status::kOk) return fail(s);
  n_frames_ += static_cast<int>(frames.size() / 640);
  return DecodeStatus::kOk;
}

DecodeStatus EngineDecoder::decode(std::span<const TokenId> prefix, int max_new, Hypothesis& out) {
  return run_decode(prefix, max_new, params_.partial_beam_width, out);
}

DecodeStatus EngineDecoder::decode_final(std::span<const TokenId> prefix, int max_new, Hypothesis& out) {
  return run_decode(prefix, max_new, params_.final_beam_width, out);
}

DecodeStatus EngineDecoder::run_decode(std::span<const TokenId> prefix, int max_new, int beam_width,
                                       Hypothesis& out) {
  out = Hypothesis{};
  const int32_t audio_end = session_.n_pos();
  std::vector<TokenId> forced = prompt_suffix_;
  forced.insert(forced.end(), prefix.begin(), prefix.end());
  if (auto s = session_.prefill_tokens(forced); s != model::Status::kOk) return fail(s);
  model::GreedyLimits limits = limits_;
  limits.max_tokens = max_new;
  model::Generation g;
  if (max_new > 0) {
    // The scorers go on after the committed text (a beam only).
    const std::string committed = text_of(prefix);
    std::optional<model::CtcPrefixScorer> ctc;
    const model::CtcHead* head = session_.ctc_head();
    if (head != nullptr && beam_width > 0) {
      ctc.emplace(head->labels(), session_.ctc_log_probs(), params_.ctc_weight);
      ctc->begin_with(committed);
    }
    const model::LmFusion* fusion = beam_width > 0 ? params_.fusion : nullptr;
    model::LmState fusion_start;
    if (fusion != nullptr) fusion_start = fusion->start_after(committed);
    g = model::generate_answer(session_, {.width = beam_width, .token_bonus = params_.token_bonus, .limits = limits},
                               model_.tokenizer(),
                               {.fusion = fusion, .fusion_start = fusion != nullptr ? &fusion_start : nullptr,
                                .ctc = ctc ? &*ctc : nullptr});
  }
  const model::Status back = session_.rollback(audio_end);
  if (max_new > 0 && g.reason == model::StopReason::kError) return fail(g.status);
  if (back != model::Status::kOk) return fail(back);
  out.tokens = std::move(g.ids);
  out.stopped = g.reason == model::StopReason::kStopToken;
  out.looped = g.reason == model::StopReason::kRepetition;
  return DecodeStatus::kOk;
}

std::string EngineDecoder::text_of(std::span<const TokenId> tokens) const {
  return model_.tokenizer().decode(tokens);
}

std::vector<TokenId> EngineDecoder::tokens_of(std::string_view text) const {
  return model_.tokenizer().encode(text);
}

bool EngineDecoder::starts_word(TokenId token) const {
  return model_.tokenizer().piece(token).starts_with(kWordStart);
}

}  // namespace earshot::stream
