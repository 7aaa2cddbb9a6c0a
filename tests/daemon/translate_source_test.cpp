// A source set to translate, from its settings to the bus: a file source, the
// real session thread, a real Publisher and Subscriber, and a scripted decoder
// in place of the model (the bundled model cannot translate yet, and the random
// test model says nothing), which answers like Gemma 4's translation prompt:
// " w0 w1\nSpanish: p0 p1". Checks that finals and their translations arrive on
// "final/talk" and "translation/es/talk", numbered and tagged as the protocol says,
// and that languages given by name reach the decoder and the status as tags.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/source_runner.h"
#include "ipc/publisher.h"
#include "ipc/subscriber.h"
#include "scratch_dir.h"
#include "test_signals.h"
#include "translating_decoder.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;

using stream::testing::TranslatingDecoder;

class TranslateSourceTest : public ::testing::Test {
 protected:
  TranslateSourceTest() {
    std::vector<float> audio = stream::testing::noise(1.0, -65.0);
    stream::testing::append(audio, stream::testing::voiced(3.0, -20.0));
    stream::testing::append(audio, stream::testing::noise(1.5, -65.0, 3));
    stream::testing::append(audio, stream::testing::voiced(2.0, -20.0, 4));
    stream::testing::append(audio, stream::testing::noise(1.5, -65.0, 5));
    testing::write_wav(dir_.file("talk.wav"), audio);
    settings_.label = "talk";
    settings_.kind = SourceKind::kFile;
    settings_.path = dir_.file("talk.wav");
    settings_.realtime = false;
    settings_.task = ipc::Task::kTranslate;
    settings_.language = "English";        // names, as a config file may write them
    settings_.target_language = "Spanish";
  }

  SourceRunner::MakeDecoder scripted_decoders() {
    return [this](const DecoderRequest& request) {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      return std::make_unique<TranslatingDecoder>();
    };
  }

  static ipc::SourceSettings change(std::optional<std::string> language, std::optional<std::string> target) {
    ipc::SourceSettings change;
    change.source = "talk";
    change.language = std::move(language);
    change.target_language = std::move(target);
    return change;
  }

  static bool wait_for_end(const SourceRunner& runner) {
    for (int i = 0; i < 300 && runner.heartbeat_ns(); ++i) std::this_thread::sleep_for(100ms);
    return !runner.heartbeat_ns();
  }

  testing::ScratchDir dir_;
  SourceSettings settings_;
  std::mutex mutex_;
  std::vector<DecoderRequest> requests_;  // guarded by mutex_
};

TEST_F(TranslateSourceTest, FinalsAndTheirTranslationsArriveOnTheBus) {
  const std::string endpoint = "ipc://" + dir_.file("bus");
  ipc::PublisherOptions publisher_options;
  publisher_options.endpoint = endpoint;
  ipc::Publisher publisher(publisher_options);
  ipc::SubscriberOptions subscriber_options;
  subscriber_options.endpoint = endpoint;
  subscriber_options.topic_prefixes = {"final/", "translation/"};
  ipc::Subscriber subscriber(subscriber_options);
  for (int i = 0; i < 100 && publisher.stats().n_subscribers == 0; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(publisher.stats().n_subscribers, 1);
  std::this_thread::sleep_for(200ms);  // the subscription itself travels after the connection

  SourceRunner runner(settings_, scripted_decoders(), [&](ipc::TranscriptEvent e) { publisher.publish(std::move(e)); });
  runner.start();
  ASSERT_TRUE(wait_for_end(runner)) << "the file source did not end";
  runner.stop();

  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(requests_.size(), 1u);
    EXPECT_EQ(requests_[0].task, ipc::Task::kTranslate);
    EXPECT_EQ(requests_[0].language, "en");
    EXPECT_EQ(requests_[0].target_language, "es");
  }
  const ipc::SourceStatus status = runner.status();
  EXPECT_EQ(status.language, "en");
  EXPECT_EQ(status.target_language, "es");

  std::vector<std::pair<std::string, ipc::TranscriptEvent>> received;
  while (const auto message = subscriber.receive(1000ms)) {
    received.emplace_back(message->topic, ipc::parse_event(message->payload));
    if (received.size() == 4) break;
  }
  ASSERT_EQ(received.size(), 4u) << "expected final, translation, final, translation";
  EXPECT_EQ(publisher.stats().n_rejected, 0u);
  for (size_t i = 0; i < received.size(); i += 2) {
    const auto& [final_topic, final_event] = received[i];
    const auto& [translation_topic, translation] = received[i + 1];
    EXPECT_EQ(final_topic, "final/talk");
    EXPECT_EQ(final_event.kind, ipc::EventKind::kFinal);
    EXPECT_EQ(final_event.stable_text.rfind(" w0 w1 w2", 0), 0u) << final_event.stable_text;
    EXPECT_EQ(final_event.stable_text.find('\n'), std::string::npos) << final_event.stable_text;
    EXPECT_EQ(final_event.language, "en");

    EXPECT_EQ(translation_topic, "translation/es/talk");
    EXPECT_EQ(translation.kind, ipc::EventKind::kTranslation);
    EXPECT_EQ(translation.stable_text.rfind("p0 p1 p2", 0), 0u) << translation.stable_text;
    EXPECT_EQ(translation.target_language, "es");
    EXPECT_EQ(translation.language, "en");
    EXPECT_EQ(translation.segment_id, final_event.segment_id);
    EXPECT_EQ(translation.sequence, final_event.sequence + 1);
    EXPECT_DOUBLE_EQ(translation.audio_start_s, final_event.audio_start_s);
    EXPECT_DOUBLE_EQ(translation.audio_end_s, final_event.audio_end_s);
  }
  EXPECT_EQ(received[2].second.segment_id, received[0].second.segment_id + 1);
}

// Fails every decode after the audio, as a model whose cache is full would.
class FailingDecoder : public TranslatingDecoder {
 public:
  stream::DecodeStatus decode(std::span<const stream::TokenId>, int, stream::Hypothesis&) override {
    return stream::DecodeStatus::kFailed;
  }
};

TEST_F(TranslateSourceTest, SegmentsThatFailToDecodeAreCountedInTheStatus) {
  SourceRunner runner(
      settings_, [](const DecoderRequest&) { return std::make_unique<FailingDecoder>(); },
      [](ipc::TranscriptEvent) {});
  EXPECT_EQ(runner.status().n_failed_segments, 0u);
  runner.start();
  ASSERT_TRUE(wait_for_end(runner)) << "the file source did not end";
  runner.stop();
  EXPECT_EQ(runner.status().n_failed_segments, 2u) << "two utterances, neither decoded";
}

TEST_F(TranslateSourceTest, SetTakesNamesOrTagsAndRefusesUnknownLanguages) {
  settings_.path = dir_.file("short.wav");
  testing::write_wav(settings_.path, std::vector<float>(16000, 0.0f));
  SourceRunner runner(settings_, scripted_decoders(), [](ipc::TranscriptEvent) {});
  runner.start();

  EXPECT_TRUE(runner.set(change(std::nullopt, "FRENCH")).ok());
  EXPECT_EQ(runner.status().target_language, "fr");
  EXPECT_TRUE(runner.set(change("de", std::nullopt)).ok());
  EXPECT_EQ(runner.status().language, "de");

  const ipc::ControlResult refused = runner.set(change(std::nullopt, "Klingon"));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error.find("unknown language 'Klingon'"), std::string::npos) << refused.error;
  EXPECT_EQ(runner.status().target_language, "fr") << "a refused set changed the source";
  runner.stop();

  std::lock_guard lock(mutex_);
  ASSERT_EQ(requests_.size(), 3u);  // start, then two accepted sets
  EXPECT_EQ(requests_[1].target_language, "fr");
  EXPECT_EQ(requests_[2].language, "de");
}

}  // namespace
}  // namespace earshot::daemon
