// The session's policy (gating, stable text, segmenting, bounds, catch-up) with
// a scripted decoder whose "recognition" is known exactly. The real model is
// exercised by the engine-backed streaming tests.
#include "stream/streaming_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "test_signals.h"

namespace earshot::stream {
namespace {

using testing::append;
using testing::noise;
using testing::voiced;

// Hears one word per kFramesPerWord frames of the current segment; word k is
// token 100 + k and prints as " wK".
class ScriptedDecoder : public StreamDecoder {
 public:
  static constexpr int kFramesPerWord = 10;

  explicit ScriptedDecoder(int window_frames = 750) : window_(window_frames) {}

  DecodeStatus begin_segment() override {
    ++n_segments;
    n_frames_ = 0;
    return DecodeStatus::kOk;
  }
  DecodeStatus append_audio(std::span<const float> frames) override {
    n_frames_ += static_cast<int>(frames.size() / 640);
    max_frames_held = std::max(max_frames_held, n_frames_);
    return DecodeStatus::kOk;
  }
  DecodeStatus decode(std::span<const TokenId> prefix, int max_new, Hypothesis& out) override {
    ++n_decodes;
    if (fail_decodes) return DecodeStatus::kFailed;
    std::vector<TokenId> heard;
    for (int k = 0; k < n_frames_ / kFramesPerWord; ++k) heard.push_back(100 + k);
    if (prefix.size() > heard.size() || !std::equal(prefix.begin(), prefix.end(), heard.begin())) {
      ++n_bad_prefixes;
    }
    out.tokens.assign(heard.begin() + std::min(prefix.size(), heard.size()), heard.end());
    if (static_cast<int>(out.tokens.size()) > max_new) out.tokens.resize(static_cast<size_t>(max_new));
    out.stopped = true;
    return DecodeStatus::kOk;
  }
  // With final_says_nothing, a segment's final answer is empty (a model that
  // takes back what its partials guessed).
  DecodeStatus decode_final(std::span<const TokenId> prefix, int max_new, Hypothesis& out) override {
    const DecodeStatus status = decode(prefix, max_new, out);
    if (final_says_nothing) out.tokens.clear();
    return status;
  }
  std::string text_of(std::span<const TokenId> tokens) const override {
    std::string s;
    for (TokenId t : tokens) s += " w" + std::to_string(t - 100);
    return s;
  }
  std::vector<TokenId> tokens_of(std::string_view) const override { return {}; }  // never translates
  bool starts_word(TokenId) const override { return true; }
  int n_audio_frames() const override { return n_frames_; }
  int max_audio_frames() const override { return 750; }
  int window_frames() const override { return window_; }
  std::string failure_reason() const override { return "scripted failure"; }

  int n_segments = 0;
  int n_decodes = 0;
  int n_bad_prefixes = 0;
  int max_frames_held = 0;
  bool fail_decodes = false;
  bool final_says_nothing = false;

 private:
  int window_;
  int n_frames_ = 0;
};

struct SessionRun {
  ScriptedDecoder decoder;
  std::vector<ipc::TranscriptEvent> events;
  StreamingSession session;
  explicit SessionRun(StreamConfig config = {}, int window_frames = 750)
      : decoder(window_frames),
        session(decoder, config, "mic", [this](ipc::TranscriptEvent e) { events.push_back(e); }) {}

  void feed(const std::vector<float>& audio, size_t block = 160) {
    for (size_t i = 0; i < audio.size(); i += block) {
      session.push(std::span<const float>(audio.data() + i, std::min(block, audio.size() - i)));
    }
  }
  std::vector<ipc::TranscriptEvent> finals() const {
    std::vector<ipc::TranscriptEvent> out;
    for (const auto& e : events) {
      if (e.kind == ipc::EventKind::kFinal) out.push_back(e);
    }
    return out;
  }
};

// A sudden loud noise does open a segment: rejecting it is the model's job
// (it is trained to say nothing on noise). Quiet rooms and steady noise never
// reach the model at all.
TEST(StreamingSessionPolicy, SilenceNeverReachesTheModel) {
  SessionRun run;
  run.feed(noise(20.0, -65.0));
  run.feed(std::vector<float>(16000 * 5, 0.0f));
  run.session.finish();
  EXPECT_TRUE(run.events.empty());
  EXPECT_EQ(run.decoder.n_segments, 0);
  EXPECT_EQ(run.decoder.n_decodes, 0);
}

TEST(StreamingSessionPolicy, SteadyNoiseNeverReachesTheModel) {
  SessionRun run;
  run.feed(noise(30.0, -30.0, 5));
  run.session.finish();
  EXPECT_TRUE(run.events.empty());
  EXPECT_EQ(run.decoder.n_segments, 0);
}

TEST(StreamingSessionPolicy, TwoUtterancesGiveTwoFinalsWithGrowingStableText) {
  std::vector<float> audio = noise(1.0, -65.0);
  append(audio, voiced(3.0, -20.0));
  append(audio, noise(1.5, -65.0, 3));
  append(audio, voiced(2.0, -20.0, 4));
  append(audio, noise(1.5, -65.0, 5));
  SessionRun run;
  run.feed(audio);
  run.session.finish();

  const auto finals = run.finals();
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0].segment_id, 1u);
  EXPECT_EQ(finals[1].segment_id, 2u);
  // 3 s of speech + preroll + pause: about 8-10 words of one per 400 ms.
  EXPECT_EQ(finals[0].stable_text.rfind(" w0 w1 w2 w3 w4 w5 w6", 0), 0u) << finals[0].stable_text;
  EXPECT_TRUE(finals[0].unstable_text.empty());
  EXPECT_EQ(run.decoder.n_bad_prefixes, 0);

  uint64_t last_seq = 0;
  double last_start = -1;
  std::string stable_so_far;
  uint64_t segment = 0;
  int n_partials = 0;
  for (const auto& e : run.events) {
    EXPECT_GT(e.sequence, last_seq);
    last_seq = e.sequence;
    EXPECT_GE(e.audio_start_s, last_start);
    last_start = e.audio_start_s;
    EXPECT_GT(e.audio_end_s, e.audio_start_s);
    if (e.segment_id != segment) {
      segment = e.segment_id;
      stable_so_far.clear();
    }
    // Stable text is never taken back: each event extends the last stable text.
    EXPECT_EQ(e.stable_text.rfind(stable_so_far, 0), 0u) << e.stable_text << " vs " << stable_so_far;
    stable_so_far = e.stable_text;
    n_partials += e.kind == ipc::EventKind::kPartial ? 1 : 0;
  }
  EXPECT_GE(n_partials, 5);
  // The first segment starts near the onset (1.0 s) minus the preroll.
  EXPECT_NEAR(finals[0].audio_start_s, 0.8, 0.15);
  EXPECT_GT(finals[1].audio_start_s, finals[0].audio_end_s);
}

// The final is decoded early in the pause and published when the pause closes
// the segment, with no decode left to run then; its audio ends where it was
// decoded, not at the close.
TEST(StreamingSessionPolicy, TheFinalIsDecodedAheadWhileThePauseRunsOn) {
  std::vector<float> audio = noise(1.0, -65.0);
  append(audio, voiced(3.0, -20.0));
  SessionRun run;
  run.feed(audio);
  const std::vector<float> pause = noise(1.5, -65.0, 3);
  size_t at = 0;
  int decodes_when_closed = -1;
  for (; at < pause.size() && run.finals().empty(); at += 160) {
    decodes_when_closed = run.decoder.n_decodes;
    run.feed(std::vector<float>(pause.begin() + static_cast<std::ptrdiff_t>(at),
                                pause.begin() + static_cast<std::ptrdiff_t>(at + 160)));
  }
  ASSERT_EQ(run.finals().size(), 1u);
  EXPECT_EQ(run.decoder.n_decodes, decodes_when_closed) << "the close ran a decode of its own";
  const auto& final = run.finals()[0];
  const double closed_at_s = 4.0 + static_cast<double>(at) / 16000;
  EXPECT_LT(final.audio_end_s, closed_at_s - 0.2);
  EXPECT_EQ(run.session.counters().n_early_finals_discarded, 0u);
}

// A pause shorter than pause_ms that outlasts early_final_ms: the early final is
// dropped and the segment goes on to hear the words after it.
TEST(StreamingSessionPolicy, SpeechAfterABreathDiscardsTheEarlyFinal) {
  std::vector<float> audio = noise(1.0, -65.0);
  append(audio, voiced(2.0, -20.0));
  append(audio, noise(0.3, -65.0, 3));
  append(audio, voiced(2.0, -20.0, 4));
  append(audio, noise(1.5, -65.0, 5));
  SessionRun run;
  run.feed(audio);
  run.session.finish();
  const auto finals = run.finals();
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_GE(run.session.counters().n_early_finals_discarded, 1u);
  // About 4.5 s of audio in the segment at one word per 400 ms.
  EXPECT_EQ(finals[0].stable_text.rfind(" w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", 0), 0u) << finals[0].stable_text;
  EXPECT_EQ(run.decoder.n_bad_prefixes, 0);
}

// Speech with two 200 ms gaps, at 1.0 s and 2.7 s into it. A model that names a
// 4 s window gets its segment closed at the second gap (the segment is past
// half the window by then), not at the first; one without keeps one segment.
TEST(StreamingSessionPolicy, ALongSegmentClosesAtAShortPause) {
  std::vector<float> audio = noise(1.0, -65.0);
  append(audio, voiced(1.0, -20.0));
  append(audio, noise(0.2, -65.0, 3));
  append(audio, voiced(1.5, -20.0, 4));
  append(audio, noise(0.2, -65.0, 5));
  append(audio, voiced(1.5, -20.0, 6));
  append(audio, noise(1.5, -65.0, 7));

  SessionRun whole;
  whole.feed(audio);
  whole.session.finish();
  EXPECT_EQ(whole.finals().size(), 1u);

  SessionRun windowed({}, 100);
  windowed.feed(audio);
  windowed.session.finish();
  const auto finals = windowed.finals();
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_NEAR(finals[0].audio_end_s, 1.0 + 2.7 + 0.12, 0.1);
  EXPECT_GE(finals[1].audio_start_s, finals[0].audio_end_s);  // no audio heard twice
  EXPECT_EQ(windowed.decoder.n_bad_prefixes, 0);

  StreamConfig off;
  off.short_pause_ms = 0;
  SessionRun no_short_pause(off, 100);
  no_short_pause.feed(audio);
  no_short_pause.session.finish();
  EXPECT_EQ(no_short_pause.finals().size(), 1u);
}

// A partial went out with a guess and the final says nothing: the segment
// still ends with one (empty) final, so that subscribers clear the partial.
TEST(StreamingSessionPolicy, ASegmentWhosePartialsWentOutEndsWithAFinalEvenAnEmptyOne) {
  std::vector<float> audio = noise(1.0, -65.0);
  append(audio, voiced(0.5, -20.0));
  append(audio, noise(1.5, -65.0, 3));
  SessionRun run;
  run.decoder.final_says_nothing = true;
  run.feed(audio);
  run.session.finish();
  ASSERT_GE(run.events.size(), 2u);
  EXPECT_EQ(run.events.front().kind, ipc::EventKind::kPartial);
  EXPECT_FALSE(run.events.front().unstable_text.empty());
  const auto finals = run.finals();
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0].segment_id, run.events.front().segment_id);
  EXPECT_TRUE(finals[0].stable_text.empty()) << finals[0].stable_text;
  EXPECT_EQ(run.events.back().kind, ipc::EventKind::kFinal);
}

TEST(StreamingSessionPolicy, EndlessSpeechIsCutAtTheClipLimitAndMemoryStaysBounded) {
  StreamConfig config;
  config.max_segment_s = 10.0;
  SessionRun run(config);
  run.feed(voiced(65.0, -20.0), 640 * 3);
  run.session.finish();
  EXPECT_EQ(run.finals().size(), 7u);
  EXPECT_LE(run.decoder.max_frames_held, 250);
  EXPECT_EQ(run.decoder.n_bad_prefixes, 0);
}

TEST(StreamingSessionPolicy, WhenBehindItSkipsPartialsThenAudio) {
  std::vector<float> audio = voiced(3.0, -20.0);
  append(audio, noise(1.0, -65.0));
  SessionRun run;
  run.session.set_backlog(2.0);
  run.feed(audio);
  EXPECT_EQ(run.session.counters().n_partial_decodes, 0u);
  EXPECT_GT(run.session.counters().n_partials_skipped, 0u);
  EXPECT_EQ(run.finals().size(), 1u);  // finals still come

  run.session.set_backlog(20.0);
  run.feed(voiced(2.0, -20.0));
  EXPECT_EQ(run.session.counters().n_frames_dropped, 50u);
  EXPECT_EQ(run.finals().size(), 1u);
}

TEST(StreamingSessionPolicy, DecoderFailuresAreCountedAndTheSessionGoesOn) {
  std::vector<float> audio = voiced(2.0, -20.0);
  append(audio, noise(1.0, -65.0));
  SessionRun run;
  run.decoder.fail_decodes = true;
  run.feed(audio);
  EXPECT_GT(run.session.counters().n_decode_failures, 0u);
  EXPECT_TRUE(run.finals().empty());
  run.decoder.fail_decodes = false;
  run.feed(audio);
  run.session.finish();
  EXPECT_EQ(run.finals().size(), 1u);
}

TEST(StreamingSessionPolicy, EachFailedSegmentIsToldOnceWithTheDecodersReason) {
  // Two utterances whose every decode fails (a full cache, say): no text, and
  // each segment is reported once however many decodes failed in it.
  std::vector<float> audio = voiced(2.0, -20.0);
  append(audio, noise(1.0, -65.0));
  append(audio, voiced(2.0, -20.0, 4));
  append(audio, noise(1.0, -65.0, 5));
  SessionRun run;
  run.decoder.fail_decodes = true;
  std::vector<std::pair<uint64_t, std::string>> told;
  run.session.set_failure_sink(
      [&](uint64_t segment_id, const std::string& reason) { told.emplace_back(segment_id, reason); });
  run.feed(audio);
  run.session.finish();
  EXPECT_TRUE(run.finals().empty());
  EXPECT_GT(run.session.counters().n_decode_failures, 2u);
  EXPECT_EQ(run.session.counters().n_failed_segments, 2u);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0], std::make_pair(uint64_t{1}, std::string("scripted failure")));
  EXPECT_EQ(told[1], std::make_pair(uint64_t{2}, std::string("scripted failure")));

  // Segments that decode are not counted.
  run.decoder.fail_decodes = false;
  run.feed(audio);
  run.session.finish();
  EXPECT_EQ(run.finals().size(), 2u);
  EXPECT_EQ(run.session.counters().n_failed_segments, 2u);
  EXPECT_EQ(told.size(), 2u);
}

}  // namespace
}  // namespace earshot::stream
