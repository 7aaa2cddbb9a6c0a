// The heart of earshot: one source's audio in, partial and final text out.
//
// Audio frames go into the model as they arrive (incremental prefill; audio in
// the cache is never processed again). While speech goes on, every step_ms the
// text after the audio so far is decoded speculatively, with the already
// stable text forced as its prefix, and the state rolls back to the end of the
// audio. Text that two consecutive decodes agree on becomes stable and is never
// taken back. A pause (voice activity) or the clip limit closes the segment:
// its final text is published, the model state is cut back to the prompt, and
// the next segment starts on the next speech — so memory stays bounded forever.
// The final of a pause is decoded ahead, once the pause has lasted
// early_final_ms, so that it is out as soon as the pause closes the segment
// (speech before then discards it). Silence never reaches the model.
//
// Translating (config.target_language set), the model answers each segment
// with "transcription\nSpanish: translation". The final carries the part
// before the first newline, and a translation event of the same segment (next
// sequence number, same audio times) carries the rest, less its label. When
// the model ends its answer after the transcription, the session writes the
// newline and label itself and lets it go on (stream/translation_decode.h);
// an answer still without a translation gives a final only (counted).
// Partials show only the transcription, the text before the newline, which is
// also as far as text becomes stable (so later audio can still extend the
// transcription): partial translations are not published.
//
//   StreamingSession session(decoder, config, "mic", [&](TranscriptEvent e) { bus.publish(e); });
//   session.push(block.view(), block.wall_ns);   // as audio arrives
//   session.finish();                            // end of stream: last final
//
// Thread contract: thread-compatible; one session thread owns it and the decoder.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audio/frame_chunker.h"
#include "ipc/transcript_event.h"
#include "model/language_names.h"
#include "stream/stable_text.h"
#include "stream/stream_config.h"
#include "stream/stream_decoder.h"
#include "stream/voice_activity.h"

namespace earshot::stream {

struct SessionCounters {
  uint64_t n_frames = 0;          // frames received
  uint64_t n_frames_decoded = 0;  // frames that went into the model
  uint64_t n_frames_dropped = 0;  // skipped to catch up
  uint64_t n_partial_decodes = 0;
  uint64_t n_partials_skipped = 0;  // not decoded because the session was behind
  uint64_t n_segments = 0;
  uint64_t n_decode_failures = 0;
  uint64_t n_failed_segments = 0;  // segments whose text a decode failure lost or cut short
  uint64_t n_translations = 0;          // translation events published
  uint64_t n_translations_missing = 0;  // translating, but the answer had no translation
  uint64_t n_translation_labels_written = 0;  // answers whose "\nSpanish:" the session wrote
  uint64_t n_early_finals_discarded = 0;  // decoded early in a pause that speech then broke
  double decode_seconds = 0;      // wall time spent in the model
};

class StreamingSession {
 public:
  using EventSink = std::function<void(ipc::TranscriptEvent)>;
  // Told once per segment whose decoding failed: its id (as its events carry
  // it) and the decoder's failure_reason(). Such a segment publishes only the
  // text that was stable before the failure, or nothing.
  using FailureSink = std::function<void(uint64_t segment_id, const std::string& reason)>;

  StreamingSession(StreamDecoder& decoder, StreamConfig config, std::string source, EventSink sink);
  void set_failure_sink(FailureSink sink) { failure_sink_ = std::move(sink); }

  // Audio of the source, 16 kHz mono, in any block size; wall_ns = when its
  // first sample was captured (CLOCK_REALTIME ns), 0 if unknown.
  void push(std::span<const float> samples, int64_t wall_ns = 0);
  // How much captured audio waits behind this session (seconds): drives the
  // catch-up policy. The runner that feeds the session sets it.
  void set_backlog(double seconds) { backlog_s_ = seconds; }
  // End of the stream (or shutdown): the open segment becomes final.
  void finish();

  bool in_segment() const { return in_segment_; }
  double lag_s() const { return backlog_s_; }
  const SessionCounters& counters() const { return counters_; }
  double audio_seconds() const;  // audio received so far

 private:
  void process_frame(std::span<const float> frame);
  void open_segment();
  void feed_pending();
  // Feeds the pending audio, then decodes after the stable text: a partial's
  // tail, or (whole_answer) the rest of the segment's answer. nullopt when the
  // segment has failed or the decode fails (counted).
  std::optional<std::vector<TokenId>> decode_after_stable(bool whole_answer);
  void decode_partial();
  void decode_early_final();
  void close_segment();
  // An event of the open segment whose audio ends at end_frame.
  ipc::TranscriptEvent make_event(ipc::EventKind kind, uint64_t end_frame) const;
  void publish(ipc::TranscriptEvent event);
  // Counts a failed decoder call; the first of a segment is told to the failure sink.
  void note_decode_failure();
  // whole_answer: a final's decode, which must hold a translation too.
  int max_new_tokens(size_t n_forced, bool whole_answer) const;
  size_t n_before_newline(std::span<const TokenId> tokens) const;
  double frame_seconds(uint64_t frame_index) const;

  StreamDecoder& decoder_;
  const StreamConfig config_;
  const std::string source_;
  EventSink sink_;
  FailureSink failure_sink_;
  const std::optional<model::Language> target_;  // set when translating

  audio::FrameChunker chunker_;
  VoiceActivity vad_;
  StableText stable_;

  int step_frames_;
  int pause_frames_;
  int early_final_frames_;  // 0: no early final
  int preroll_frames_;
  int max_segment_frames_;
  int short_pause_frames_;   // 0: off
  int long_segment_frames_;  // from here on short_pause_frames_ of quiet close a segment

  std::deque<std::vector<float>> preroll_;  // frames before onset, bounded
  std::vector<float> pending_;              // frames of the segment not yet in the model
  bool in_segment_ = false;
  bool segment_failed_ = false;  // the decoder's state is broken: no more calls this segment
  bool segment_failure_noted_ = false;
  bool segment_partial_published_ = false;  // then the segment must end with a final, empty or not
  uint64_t segment_first_frame_ = 0;
  int frames_since_decode_ = 0;
  // The final decoded early in the current pause, and the frame its audio ends at.
  std::optional<std::vector<TokenId>> early_final_;
  uint64_t early_final_end_frame_ = 0;
  uint64_t segment_id_ = 0;
  uint64_t sequence_ = 0;
  double backlog_s_ = 0;
  int64_t stream_wall_origin_ns_ = 0;  // wall time of sample 0, once known
  SessionCounters counters_;
};

}  // namespace earshot::stream
