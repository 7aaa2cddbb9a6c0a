#include "model/transcriber.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace earshot::model {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

SessionParams session_params(const TranscriberParams& params) {
  SessionParams s = params.session;
  s.keep_ctc_log_probs = params.ctc_weight > 0 && params.beam_width > 0;
  return s;
}

}  // namespace

double clip_window_seconds(const Model& model) {
  const ProjectorWeights* projector = model.projector();
  const double own = projector != nullptr ? projector->window_seconds : 0.0;
  return own > 0.0 ? std::min(own, kMaxClipWindowSeconds) : kMaxClipWindowSeconds;
}

Transcriber::Transcriber(const Model& model, const TranscriberParams& params)
    : model_(model), params_(params), session_(model, session_params(params)) {
  if (model.projector() == nullptr) throw std::invalid_argument("the model has no audio projector");
  if (params.fusion != nullptr && params.beam_width < 1) {
    throw std::invalid_argument("a language model fusion needs a beam search (beam_width >= 1)");
  }
  if (params_.limits.stop.empty()) params_.limits.stop = stop_tokens(model.tokenizer());
  instruction_ = transcription_instruction(params_.language);
  const AudioPrompt prompt = build_audio_prompt(model.tokenizer(), instruction_, 0, params_.placement);
  prefix_.assign(prompt.ids.begin(), prompt.ids.begin() + static_cast<ptrdiff_t>(prompt.audio_begin));
}

Transcript Transcriber::transcribe(std::span<const float> samples, std::string_view preceding) {
  Transcript r;
  const auto start = std::chrono::steady_clock::now();
  // Reuse the prefilled prefix when the cache still holds what it needs.
  const bool reused = prefix_end_ >= 0 && session_.rollback(prefix_end_) == Status::kOk;
  const int32_t first_run = reused ? prefix_end_ : 0;
  if (!reused) {
    session_.reset();
    if ((r.status = session_.prefill_tokens(prefix_)) != Status::kOk) return r;
    prefix_end_ = session_.n_pos();
  }
  session_.reset_audio();
  const int32_t audio_begin = session_.n_pos();
  r.status = session_.prefill_audio(samples);
  if (r.status == Status::kOk) r.status = session_.flush_audio();
  if (r.status == Status::kOk && session_.n_pos() == audio_begin) {
    const float silence[kFrameSamples] = {};  // an empty clip still gets one frame, as in training
    r.status = session_.prefill_audio(silence);
  }
  if (r.status != Status::kOk) return r;
  r.n_audio_frames = session_.n_pos() - audio_begin;

  const AudioPrompt prompt = build_audio_prompt(model_.tokenizer(), instruction_,
                                                static_cast<size_t>(r.n_audio_frames), params_.placement);
  const std::span<const TokenId> suffix(prompt.ids.data() + prompt.audio_end, prompt.ids.size() - prompt.audio_end);
  if ((r.status = session_.prefill_tokens(suffix)) != Status::kOk) return r;
  r.n_prefill_rows = session_.n_pos() - first_run;
  r.prefill_seconds = seconds_since(start);

  const auto decode_start = std::chrono::steady_clock::now();
  GreedyLimits limits = params_.limits;
  limits.max_tokens = max_tokens_for_audio(static_cast<double>(samples.size()) / kSampleRate);
  std::optional<CtcPrefixScorer> ctc;
  if (const CtcHead* head = session_.ctc_head()) ctc.emplace(head->labels(), session_.ctc_log_probs(), params_.ctc_weight);
  LmState fusion_start;
  if (params_.fusion != nullptr) {
    fusion_start = params_.fusion->start_after(preceding);
    params_.fusion->advance(fusion_start, " ");  // the preceding text's last word is whole
  }
  Generation g = generate_answer(session_, {.width = params_.beam_width,
                                                 .token_bonus = params_.token_bonus,
                                                 .limits = limits,
                                                 .row_budget_bytes = params_.beam_row_budget_bytes},
                                 model_.tokenizer(),
                                 {.fusion = params_.fusion,
                                  .fusion_start = params_.fusion != nullptr ? &fusion_start : nullptr,
                                  .ctc = ctc ? &*ctc : nullptr});
  r.decode_seconds = seconds_since(decode_start);
  r.n_decoded = g.n_tokens_run;
  r.ids = std::move(g.ids);
  r.reason = g.reason;
  r.status = g.status;
  r.text = model_.tokenizer().decode(r.ids);
  return r;
}

}  // namespace earshot::model
