#include "stream/streaming_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "model/greedy.h"
#include "stream/translation_answer.h"
#include "stream/translation_decode.h"

namespace earshot::stream {
namespace {

constexpr double kFrameSeconds =
    static_cast<double>(audio::kFrameSamples) / static_cast<double>(audio::kModelSampleRate);

int frames_of_ms(int ms) {
  return std::max(1, static_cast<int>(std::lround(ms / 1000.0 / kFrameSeconds)));
}

// A target outside the language table keeps its tag as its name, so that a
// "tag: " label is still recognised.
std::optional<model::Language> target_of(const std::string& target_language) {
  if (target_language.empty()) return std::nullopt;
  return model::find_language(target_language).value_or(model::Language{target_language, target_language});
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

StreamingSession::StreamingSession(StreamDecoder& decoder, StreamConfig config, std::string source,
                                   EventSink sink)
    : decoder_(decoder),
      config_(std::move(config)),
      source_(std::move(source)),
      sink_(std::move(sink)),
      target_(target_of(config_.target_language)),
      vad_(config_.vad),
      stable_([&decoder](TokenId t) { return decoder.starts_word(t); }),
      step_frames_(frames_of_ms(config_.step_ms)),
      pause_frames_(frames_of_ms(config_.pause_ms)),
      early_final_frames_(config_.early_final_ms > 0 && config_.early_final_ms < config_.pause_ms
                              ? frames_of_ms(config_.early_final_ms)
                              : 0),
      preroll_frames_(frames_of_ms(config_.preroll_ms)),
      max_segment_frames_(std::min(decoder.max_audio_frames(),
                                   frames_of_ms(static_cast<int>(config_.max_segment_s * 1000)))),
      short_pause_frames_(config_.short_pause_ms > 0 ? frames_of_ms(config_.short_pause_ms) : 0),
      long_segment_frames_(decoder.window_frames() / 2) {}

double StreamingSession::audio_seconds() const {
  return static_cast<double>(counters_.n_frames) * kFrameSeconds +
         static_cast<double>(chunker_.pending()) / audio::kModelSampleRate;
}

double StreamingSession::frame_seconds(uint64_t frame_index) const {
  return static_cast<double>(frame_index) * kFrameSeconds;
}

void StreamingSession::push(std::span<const float> samples, int64_t wall_ns) {
  if (wall_ns != 0 && stream_wall_origin_ns_ == 0) {
    const double before_s = audio_seconds();
    stream_wall_origin_ns_ = wall_ns - static_cast<int64_t>(before_s * 1e9);
  }
  const std::vector<float> frames = chunker_.push(samples);
  for (size_t i = 0; i + audio::kFrameSamples <= frames.size(); i += audio::kFrameSamples) {
    process_frame(std::span<const float>(frames.data() + i, audio::kFrameSamples));
  }
}

void StreamingSession::process_frame(std::span<const float> frame) {
  ++counters_.n_frames;
  const bool speech = vad_.push_frame(frame, kFrameSeconds);

  // Far behind real time: skip audio outside speech first, then inside it.
  if (backlog_s_ > config_.drop_backlog_s) {
    ++counters_.n_frames_dropped;
    if (in_segment_) close_segment();
    preroll_.clear();
    return;
  }

  if (!in_segment_) {
    preroll_.emplace_back(frame.begin(), frame.end());
    if (static_cast<int>(preroll_.size()) > preroll_frames_ + config_.vad.onset_frames) {
      preroll_.pop_front();
    }
    if (speech) open_segment();
    return;
  }

  pending_.insert(pending_.end(), frame.begin(), frame.end());
  ++frames_since_decode_;
  const int quiet = vad_.n_quiet_frames();
  if (early_final_ && quiet == 0) {  // the pause was only a breath: its early final is stale
    early_final_.reset();
    ++counters_.n_early_finals_discarded;
  }
  const int n_segment_frames =
      decoder_.n_audio_frames() + static_cast<int>(pending_.size() / audio::kFrameSamples);
  const bool long_segment_paused =
      short_pause_frames_ > 0 && n_segment_frames >= long_segment_frames_ && quiet >= short_pause_frames_;
  if (quiet >= pause_frames_ || n_segment_frames >= max_segment_frames_ || long_segment_paused) {
    close_segment();
  } else if (early_final_frames_ > 0 && quiet >= early_final_frames_ && !early_final_ &&
             backlog_s_ <= config_.skip_partials_backlog_s) {
    decode_early_final();
  } else if (!early_final_ && frames_since_decode_ >= step_frames_) {
    decode_partial();
  }
}

void StreamingSession::open_segment() {
  in_segment_ = true;
  segment_failed_ = false;
  segment_failure_noted_ = false;
  segment_partial_published_ = false;
  ++segment_id_;
  ++counters_.n_segments;
  stable_.reset();
  frames_since_decode_ = 0;
  segment_first_frame_ = counters_.n_frames - preroll_.size();
  pending_.clear();
  for (const auto& f : preroll_) pending_.insert(pending_.end(), f.begin(), f.end());
  preroll_.clear();
  const auto start = std::chrono::steady_clock::now();
  if (decoder_.begin_segment() != DecodeStatus::kOk) {
    segment_failed_ = true;
    note_decode_failure();
  }
  counters_.decode_seconds += seconds_since(start);
}

void StreamingSession::feed_pending() {
  if (pending_.empty() || segment_failed_) return;
  const auto start = std::chrono::steady_clock::now();
  if (decoder_.append_audio(pending_) != DecodeStatus::kOk) {
    segment_failed_ = true;
    note_decode_failure();
  } else {
    counters_.n_frames_decoded += pending_.size() / audio::kFrameSamples;
  }
  counters_.decode_seconds += seconds_since(start);
  pending_.clear();
}

int StreamingSession::max_new_tokens(size_t n_forced, bool whole_answer) const {
  const double seconds = decoder_.n_audio_frames() * kFrameSeconds;
  // Partials stop reading a translation answer at the newline, so only finals
  // need the room for the translation.
  const int bound = target_ && whole_answer ? model::max_tokens_for_translation(seconds, config_.tokens_per_s)
                                            : model::max_tokens_for_audio(seconds, config_.tokens_per_s);
  return std::max(0, bound - static_cast<int>(n_forced));
}

size_t StreamingSession::n_before_newline(std::span<const TokenId> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (decoder_.text_of(tokens.subspan(i, 1)).find('\n') != std::string::npos) return i;
  }
  return tokens.size();
}

void StreamingSession::decode_partial() {
  frames_since_decode_ = 0;
  if (backlog_s_ > config_.skip_partials_backlog_s) {
    ++counters_.n_partials_skipped;
    return;
  }
  std::optional<std::vector<TokenId>> tokens = decode_after_stable(false);
  if (!tokens) return;
  // Translating, a partial keeps only the transcription: nothing from the
  // newline on may become stable, or later audio could no longer extend the
  // transcription it ends. Partial translations are therefore not published.
  if (target_) tokens->resize(n_before_newline(*tokens));
  const size_t n_stable_before = stable_.stable().size();
  // A loop can build up across decodes (each continues after the forced stable
  // text): once the whole transcript repeats itself, nothing more becomes stable.
  std::vector<TokenId> all = stable_.stable();
  all.insert(all.end(), tokens->begin(), tokens->end());
  if (model::repeated_pattern(all, model::GreedyLimits{}) > 0) tokens->clear();
  if (decoder_.n_audio_frames() * kFrameSeconds * 1000 < config_.stable_after_ms) {
    stable_.hold(*tokens);
  } else {
    stable_.offer(*tokens);
  }
  ipc::TranscriptEvent event = make_event(ipc::EventKind::kPartial, counters_.n_frames);
  event.stable_text = decoder_.text_of(stable_.stable());
  event.unstable_text = decoder_.text_of(stable_.unstable());
  // A partial that says nothing new is not worth a message.
  if (event.stable_text.empty() && event.unstable_text.empty() && n_stable_before == 0) return;
  segment_partial_published_ = true;
  publish(std::move(event));
}

std::optional<std::vector<TokenId>> StreamingSession::decode_after_stable(bool whole_answer) {
  feed_pending();
  if (segment_failed_) return std::nullopt;
  Hypothesis hyp;
  const auto start = std::chrono::steady_clock::now();
  const int max_new = max_new_tokens(stable_.stable().size(), whole_answer);
  bool label_written = false;
  const DecodeStatus status = whole_answer && target_
                                  ? decode_translation_answer(decoder_, stable_.stable(), max_new,
                                                              *target_, hyp, label_written)
                                  : whole_answer ? decoder_.decode_final(stable_.stable(), max_new, hyp)
                                                 : decoder_.decode(stable_.stable(), max_new, hyp);
  counters_.n_translation_labels_written += label_written ? 1 : 0;
  counters_.decode_seconds += seconds_since(start);
  if (!whole_answer) ++counters_.n_partial_decodes;
  if (status != DecodeStatus::kOk) {
    note_decode_failure();
    return std::nullopt;
  }
  return std::move(hyp.tokens);
}

void StreamingSession::decode_early_final() {
  std::optional<std::vector<TokenId>> tokens = decode_after_stable(true);
  if (!tokens) return;
  early_final_ = std::move(*tokens);
  early_final_end_frame_ = counters_.n_frames;
}

void StreamingSession::close_segment() {
  std::vector<TokenId> final_tokens = stable_.stable();
  uint64_t end_frame = counters_.n_frames;
  if (early_final_) {
    // The rest of the pause is left out of the segment: it holds no words.
    final_tokens = stable_.finish(*early_final_);
    end_frame = early_final_end_frame_;
    early_final_.reset();
    pending_.clear();
  } else if (std::optional<std::vector<TokenId>> tokens = decode_after_stable(true)) {
    final_tokens = stable_.finish(*tokens);
  }
  in_segment_ = false;
  stable_.reset();
  const std::string answer = decoder_.text_of(final_tokens);
  TranslationAnswer parts =
      target_ ? split_translation_answer(answer, *target_) : TranslationAnswer{.transcription = answer, .translation = std::nullopt};
  ipc::TranscriptEvent final_event = make_event(ipc::EventKind::kFinal, end_frame);
  final_event.stable_text = std::move(parts.transcription);
  // A segment that produced no words (a cough, a door) publishes nothing;
  // one whose partials went out ends with a final all the same, empty if need
  // be, so that subscribers can clear its partial (docs/protocol.md, rule 5).
  const bool said_nothing = final_event.stable_text.find_first_not_of(" \t\n") == std::string::npos;
  if (said_nothing && !segment_partial_published_) return;
  if (said_nothing) final_event.stable_text.clear();
  publish(std::move(final_event));
  if (!target_ || said_nothing) return;
  if (!parts.translation) {
    ++counters_.n_translations_missing;
    return;
  }
  ipc::TranscriptEvent translation = make_event(ipc::EventKind::kTranslation, end_frame);
  translation.stable_text = std::move(*parts.translation);
  translation.target_language = target_->tag;
  ++counters_.n_translations;
  publish(std::move(translation));
}

void StreamingSession::note_decode_failure() {
  ++counters_.n_decode_failures;
  if (segment_failure_noted_) return;
  segment_failure_noted_ = true;
  ++counters_.n_failed_segments;
  if (failure_sink_) failure_sink_(segment_id_, decoder_.failure_reason());
}

void StreamingSession::publish(ipc::TranscriptEvent event) {
  ++sequence_;
  event.sequence = sequence_;
  sink_(std::move(event));
}

void StreamingSession::finish() {
  const std::vector<float> last = chunker_.flush();
  if (!last.empty()) process_frame(last);
  if (in_segment_) close_segment();
}

ipc::TranscriptEvent StreamingSession::make_event(ipc::EventKind kind, uint64_t end_frame) const {
  ipc::TranscriptEvent event;
  event.kind = kind;
  event.source = source_;
  event.segment_id = segment_id_;
  event.audio_start_s = frame_seconds(segment_first_frame_);
  event.audio_end_s = frame_seconds(end_frame);
  if (stream_wall_origin_ns_ != 0) {
    const double origin_s = static_cast<double>(stream_wall_origin_ns_) * 1e-9;
    event.wall_start_s = origin_s + event.audio_start_s;
    event.wall_end_s = origin_s + event.audio_end_s;
  }
  event.language = config_.language;
  event.lag_s = backlog_s_;
  return event;
}

}  // namespace earshot::stream
