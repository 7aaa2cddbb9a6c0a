// A translating session with a scripted decoder that answers like Gemma 4's
// translation prompt: " w0 w1\nSpanish: p0 p1" after two words of audio.
// Checks the split into final + translation events, their numbering, and that
// partials never show the translation.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "stream/streaming_session.h"
#include "test_signals.h"
#include "translating_decoder.h"

namespace earshot::stream {
namespace {

using testing::append;
using testing::noise;
using testing::voiced;

using testing::TranslatingDecoder;

StreamConfig translating_to_spanish() {
  StreamConfig config;
  config.language = "en";
  config.target_language = "es";
  return config;
}

struct TranslatingRun {
  TranslatingDecoder decoder;
  std::vector<ipc::TranscriptEvent> events;
  StreamingSession session;
  TranslatingRun()
      : session(decoder, translating_to_spanish(), "mic",
                [this](ipc::TranscriptEvent e) { events.push_back(e); }) {}

  void feed_two_utterances() {
    std::vector<float> audio = noise(1.0, -65.0);
    append(audio, voiced(3.0, -20.0));
    append(audio, noise(1.5, -65.0, 3));
    append(audio, voiced(2.0, -20.0, 4));
    append(audio, noise(1.5, -65.0, 5));
    for (size_t i = 0; i < audio.size(); i += 160) {
      session.push(std::span<const float>(audio.data() + i, std::min<size_t>(160, audio.size() - i)));
    }
    session.finish();
  }
  std::vector<ipc::TranscriptEvent> of_kind(ipc::EventKind kind) const {
    std::vector<ipc::TranscriptEvent> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [kind](const ipc::TranscriptEvent& e) { return e.kind == kind; });
    return out;
  }
};

size_t count_words(const std::string& text, char letter) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) n += text[i] == ' ' && text[i + 1] == letter ? 1 : 0;
  return n;
}

TEST(StreamingTranslation, EachSegmentGivesAFinalThenItsTranslation) {
  TranslatingRun run;
  run.feed_two_utterances();

  const auto finals = run.of_kind(ipc::EventKind::kFinal);
  const auto translations = run.of_kind(ipc::EventKind::kTranslation);
  ASSERT_EQ(finals.size(), 2u);
  ASSERT_EQ(translations.size(), 2u);
  EXPECT_EQ(run.session.counters().n_translations, 2u);
  EXPECT_EQ(run.session.counters().n_translations_missing, 0u);
  EXPECT_EQ(run.session.counters().n_translation_labels_written, 0u);  // the model wrote its own
  EXPECT_EQ(run.decoder.n_bad_prefixes, 0);

  for (size_t i = 0; i < finals.size(); ++i) {
    const ipc::TranscriptEvent& f = finals[i];
    const ipc::TranscriptEvent& t = translations[i];
    EXPECT_EQ(f.stable_text.rfind(" w0 w1 w2", 0), 0u) << f.stable_text;
    EXPECT_EQ(f.stable_text.find('\n'), std::string::npos) << f.stable_text;
    EXPECT_EQ(f.stable_text.find("Spanish"), std::string::npos) << f.stable_text;
    EXPECT_TRUE(f.target_language.empty());
    // The translation: no label, one word per word heard, right after its final.
    EXPECT_EQ(t.stable_text.rfind("p0 p1 p2", 0), 0u) << t.stable_text;
    EXPECT_EQ(count_words(" " + t.stable_text, 'p'), count_words(f.stable_text, 'w'));
    EXPECT_TRUE(t.unstable_text.empty());
    EXPECT_EQ(t.sequence, f.sequence + 1);
    EXPECT_EQ(t.segment_id, f.segment_id);
    EXPECT_EQ(t.source, "mic");
    EXPECT_EQ(t.language, "en");
    EXPECT_EQ(t.target_language, "es");
    EXPECT_DOUBLE_EQ(t.audio_start_s, f.audio_start_s);
    EXPECT_DOUBLE_EQ(t.audio_end_s, f.audio_end_s);
  }
}

TEST(StreamingTranslation, PartialsShowOnlyTheTranscriptionAndNeverRetractIt) {
  TranslatingRun run;
  run.feed_two_utterances();
  // During the pause two decodes agree on the whole answer; still the newline
  // never becomes stable, so later audio can extend the transcription.
  EXPECT_EQ(run.decoder.n_prefixes_past_newline, 0);
  EXPECT_EQ(run.decoder.n_bad_prefixes, 0);

  uint64_t expected_sequence = 1;
  uint64_t segment = 0;
  std::string stable_so_far;
  int n_partials = 0;
  for (const auto& e : run.events) {
    EXPECT_EQ(e.sequence, expected_sequence++);  // consecutive over all kinds
    if (e.kind == ipc::EventKind::kTranslation) continue;
    if (e.segment_id != segment) {
      segment = e.segment_id;
      stable_so_far.clear();
    }
    for (const std::string& text : {e.stable_text, e.unstable_text}) {
      EXPECT_EQ(text.find('\n'), std::string::npos) << text;
      EXPECT_EQ(text.find("Spanish"), std::string::npos) << text;
      EXPECT_EQ(text.find(" p"), std::string::npos) << text;
    }
    EXPECT_EQ(e.stable_text.rfind(stable_so_far, 0), 0u) << e.stable_text << " vs " << stable_so_far;
    stable_so_far = e.stable_text;
    n_partials += e.kind == ipc::EventKind::kPartial ? 1 : 0;
  }
  EXPECT_GE(n_partials, 5);
}

TEST(StreamingTranslation, WritesTheLabelWhenTheModelEndsAfterTheTranscription) {
  TranslatingRun run;
  run.decoder.with_newline = false;
  run.feed_two_utterances();
  const auto finals = run.of_kind(ipc::EventKind::kFinal);
  const auto translations = run.of_kind(ipc::EventKind::kTranslation);
  ASSERT_EQ(finals.size(), 2u);
  ASSERT_EQ(translations.size(), 2u);
  EXPECT_GE(run.session.counters().n_translation_labels_written, 2u);
  EXPECT_EQ(run.session.counters().n_translations_missing, 0u);
  EXPECT_EQ(run.decoder.n_bad_prefixes, 0);
  for (size_t i = 0; i < finals.size(); ++i) {
    EXPECT_EQ(finals[i].stable_text.find('\n'), std::string::npos) << finals[i].stable_text;
    EXPECT_EQ(translations[i].stable_text.rfind("p0 p1 p2", 0), 0u) << translations[i].stable_text;
    EXPECT_EQ(count_words(" " + translations[i].stable_text, 'p'), count_words(finals[i].stable_text, 'w'));
  }
}

TEST(StreamingTranslation, AnAnswerWithNothingAfterTheLabelGivesAFinalOnly) {
  TranslatingRun run;
  run.decoder.with_newline = false;
  run.decoder.translates = false;
  run.feed_two_utterances();
  EXPECT_EQ(run.of_kind(ipc::EventKind::kFinal).size(), 2u);
  EXPECT_TRUE(run.of_kind(ipc::EventKind::kTranslation).empty());
  EXPECT_EQ(run.session.counters().n_translations, 0u);
  EXPECT_EQ(run.session.counters().n_translations_missing, 2u);
  uint64_t expected_sequence = 1;
  for (const auto& e : run.events) EXPECT_EQ(e.sequence, expected_sequence++);
}

TEST(StreamingTranslation, ATranscribingSessionPublishesNoTranslations) {
  TranslatingDecoder decoder;
  std::vector<ipc::TranscriptEvent> events;
  StreamingSession session(decoder, StreamConfig{}, "mic", [&](ipc::TranscriptEvent e) { events.push_back(e); });
  std::vector<float> audio = voiced(2.0, -20.0);
  append(audio, noise(1.0, -65.0));
  session.push(audio);
  session.finish();
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) EXPECT_NE(e.kind, ipc::EventKind::kTranslation);
  EXPECT_EQ(session.counters().n_translations_missing, 0u);
}

}  // namespace
}  // namespace earshot::stream
