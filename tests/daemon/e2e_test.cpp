// End to end with the bundled model: a private headless PulseAudio with a null
// sink, earshotd recording the sink's monitor, real speech played into the
// sink with paplay (the recordings of a held-out AN4 speaker), and a bus
// subscriber that must receive the words as final text (word error rate under
// a bound), also with the source set to translate. SIGTERM in the middle of
// an utterance must still publish that utterance's final before the daemon exits.
// A restart of the sound server is logged with its reason, and so is the source's
// return; so is where the server moves a stream that follows the default input.
// A source the server suspends (no error, no audio) is reported in the log and
// in the status until its audio comes back.
//
// Registered with ctest only when models/earshot-default.gguf exists.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../audio/child_process.h"
#include "../ipc/command_output.h"
#include "../audio/pulse_server.h"
#include "audio/load_audio.h"
#include "daemon_test_env.h"
#include "scratch_dir.h"
#include "../support/recordings.h"
#include "wav_writer.h"
#include "ipc/control_client.h"
#include "ipc/subscriber.h"
#include "ipc/transcript_event.h"
#include "tools/scoring/chrf.h"
#include "tools/scoring/word_errors.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;
using earshot::scoring::word_error_rate;
using earshot::scoring::words_of;

// What the bundled model must reach through the whole service on the first
// held-out AN4 speaker of its dev list (fash: 9 spelled words and commands, 43
// words). Through the service the shipped file (s17, finals by a beam of 4,
// partials by a beam of 3) scores 7.0 %, as s14 and s11 did, where `earshot transcribe` gave s11 7.0 % on
// these recordings one by one (the service cuts its own segments; s01 gave 9.3 % and 7.0 %, c03 11.6 % and 9.3 %, g06 14.0 %, r22
// 20.9 % and g01 25.6-30.2 % over five runs, where the capture blocks fall
// moving the frames). The bound leaves room for that, not for a model that does not
// listen (the bundled file before g01 scored 73 % on the held-out AN4
// speakers).
constexpr double kMaxWordErrorRate = 0.35;
// The same recordings through the translation prompt: one final per
// recording (9; a split or merged pause may move one), and the words of the
// transcription part under a bound (measured 7.0 % with s17, s14, s11 and s01, 11.6 % with
// c03, 16.3 % with g06, 23.3 % with r22, 30.2 % in four runs with r21,
// 23.3-41.9 % in four with g01).
constexpr size_t kMinSegments = 7;
constexpr double kMaxTranslatingWordErrorRate = 0.4;
constexpr auto kTimeout = 90s;
const std::string kHeldOutDir = std::string(EARSHOT_SOURCE_DIR) + "/tests/data/an4-heldout/";

struct HeldOutSpeech {
  std::vector<float> samples;  // 16 kHz
  std::string said;
  std::string spanish;  // apertium's translation of what was said
  size_t n_utterances = 0;
};

// One held-out speaker's recordings in the listed order, each followed by a
// second of silence (a pause that closes its segment).
HeldOutSpeech held_out_speaker_with_pauses(const std::string& speaker) {
  HeldOutSpeech out;
  std::map<std::string, std::string> spanish_of;  // by file
  for (const auto& t : earshot::testing::read_recordings(kHeldOutDir, "translations.es.tsv")) {
    spanish_of[t.file] = t.said;
  }
  for (const earshot::testing::Recording& r : earshot::testing::read_recordings(kHeldOutDir)) {
    if (r.file.rfind(speaker + "-", 0) != 0) continue;
    const std::vector<float> speech = audio::load_audio_16k(kHeldOutDir + r.file);
    out.samples.insert(out.samples.end(), speech.begin(), speech.end());
    out.samples.insert(out.samples.end(), 16000, 0.0f);
    out.said += r.said + " ";
    out.spanish += spanish_of[r.file] + " ";
    ++out.n_utterances;
  }
  return out;
}

const std::string kRecording = std::string(EARSHOT_SOURCE_DIR) + "/daemon/demo/speech-en.opus";
const std::string kModel = std::string(EARSHOT_SOURCE_DIR) + "/models/earshot-default.gguf";

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kModel)) << "the bundled model " << kModel << " is missing";
  }

  // `settings`: more "--set KEY=VALUE" arguments.
  std::unique_ptr<testing::DaemonProcess> start_daemon(std::vector<std::string> settings = {}) {
    std::vector<std::string> args = {"--set", "model=" + kModel, "--set",
                                     "source.system.device=vsink.monitor"};
    args.insert(args.end(), settings.begin(), settings.end());
    auto daemon = env_.start(args,
                             {{"PULSE_SERVER", pulse_.address()},
                              // The server's cookie is under the HOME the server was given.
                              {"HOME", std::getenv("HOME")},
                              {"PULSE_RUNTIME_PATH", std::getenv("PULSE_RUNTIME_PATH")}});
    const auto ready = env_.notify().wait_for("READY=1", kTimeout);
    EXPECT_TRUE(ready.has_value()) << "no READY=1; log:\n" << daemon->log();
    return daemon;
  }

  // Plays `wav` into the sink and returns what `bus` receives until three
  // quiet seconds after the player is done. Each utterance in the file ends
  // with a second of silence, which closes its segment; once the player is
  // done, the last segment's events still have to come through.
  std::vector<ipc::TranscriptEvent> play_and_collect(const std::string& wav, ipc::Subscriber& bus) {
    const pid_t player = pulse_.play(wav);
    std::vector<ipc::TranscriptEvent> events;
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    bool played = false;  // the player is reaped once
    int quiet_after_playing_s = 0;
    while (std::chrono::steady_clock::now() < deadline && quiet_after_playing_s < 3) {
      env_.notify().drain();
      auto message = bus.receive(1000ms);
      if (message) events.push_back(ipc::parse_event(message->payload));
      played = played || audio::testing::wait_exit(player, 0ms) >= 0;
      quiet_after_playing_s = played && !message ? quiet_after_playing_s + 1 : 0;
    }
    return events;
  }

  // The speech as a WAV file in the test's scratch folder, for paplay.
  std::string as_wav(const HeldOutSpeech& speech, const std::string& name) {
    const std::string wav = scratch_.file(name);
    testing::write_wav(wav, speech.samples);
    return wav;
  }

  audio::testing::PulseServer pulse_;  // first: it sets this process's XDG_RUNTIME_DIR and HOME
  testing::DaemonTestEnv env_;
  testing::ScratchDir scratch_;
};

TEST_F(EndToEndTest, SpeechPlayedToTheSinkArrivesAsFinalText) {
  const HeldOutSpeech speech = held_out_speaker_with_pauses("fash");
  ASSERT_EQ(speech.n_utterances, 9u) << "recordings of fash in " << kHeldOutDir;
  const std::string wav = as_wav(speech, "fash.wav");

  auto daemon = start_daemon();
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"final/system"}});
  std::string text;
  for (const auto& e : play_and_collect(wav, bus)) text += " " + e.stable_text;
  const double wer = word_error_rate(words_of(speech.said), words_of(text));
  std::printf("heard: %s\nsaid:  %s\nWER %.1f %%\n", text.c_str(), speech.said.c_str(), 100 * wer);
  EXPECT_LE(wer, kMaxWordErrorRate);
  env_.notify().drain();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(kTimeout), std::optional<int>(0)) << daemon->log();
}

TEST_F(EndToEndTest, SigtermMidUtterancePublishesItsFinal) {
  auto daemon = start_daemon();
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"partial/system", "final/system"}});
  pulse_.play(kRecording);

  // Wait for the utterance's first partial: the segment is open.
  std::optional<ipc::TranscriptEvent> partial;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!partial && std::chrono::steady_clock::now() < deadline) {
    env_.notify().drain();
    if (auto m = bus.receive(1000ms)) {
      ipc::TranscriptEvent e = ipc::parse_event(m->payload);
      if (e.kind == ipc::EventKind::kPartial) partial = e;
    }
  }
  ASSERT_TRUE(partial.has_value()) << "no partial while the speech played; log:\n" << daemon->log();

  daemon->signal(SIGTERM);
  std::optional<ipc::TranscriptEvent> final_event;
  while (!final_event) {
    env_.notify().drain();
    auto m = bus.receive(5000ms);
    if (!m) break;
    ipc::TranscriptEvent e = ipc::parse_event(m->payload);
    if (e.kind == ipc::EventKind::kFinal && e.segment_id == partial->segment_id) final_event = e;
  }
  ASSERT_TRUE(final_event.has_value()) << "the open segment's final never came; log:\n" << daemon->log();
  EXPECT_FALSE(words_of(final_event->stable_text).empty());
  EXPECT_GE(final_event->audio_end_s, partial->audio_end_s);
  EXPECT_EQ(daemon->wait_exit(kTimeout), std::optional<int>(0)) << daemon->log();
}

TEST_F(EndToEndTest, FinalsAreKeptForLateSubscribers) {
  auto daemon = start_daemon();
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"final/system"}});
  pulse_.play(kRecording);
  std::optional<ipc::TranscriptEvent> final_event;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!final_event && std::chrono::steady_clock::now() < deadline) {
    env_.notify().drain();
    if (auto m = bus.receive(1000ms)) final_event = ipc::parse_event(m->payload);
  }
  ASSERT_TRUE(final_event.has_value()) << "no final while the speech played; log:\n" << daemon->log();

  // A client that comes late asks the control socket for what it missed.
  ipc::ControlClient control({.endpoint = env_.control_endpoint(), .timeout = 5000ms});
  const std::vector<ipc::TranscriptEvent> history = control.history("system", 10);
  ASSERT_FALSE(history.empty());
  bool found = false;
  for (const auto& e : history) found |= e.sequence == final_event->sequence && e.stable_text == final_event->stable_text;
  EXPECT_TRUE(found) << "the final published on the bus is not in the history";
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(kTimeout), std::optional<int>(0)) << daemon->log();
}

// A source set to translate: the same held-out speaker through the
// translation prompt. Its finals carry the transcription part alone (no
// newline, no label) and keep the words; each translation that comes follows
// its own final. The bundled model does not translate yet (docs/model/card.md):
// chrF against apertium's Spanish is printed, and asserted once a model that
// translates ships.
TEST_F(EndToEndTest, ATranslatingSourceKeepsItsFinalsToTheTranscription) {
  const HeldOutSpeech speech = held_out_speaker_with_pauses("fash");
  ASSERT_EQ(speech.n_utterances, 9u) << "recordings of fash in " << kHeldOutDir;
  const std::string wav = as_wav(speech, "fash.wav");

  auto daemon = start_daemon(
      {"--set", "source.system.task=translate", "--set", "source.system.target_language=es"});
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(),
                       .topic_prefixes = {"final/system", "translation/es/system"}});
  std::string heard, spanish;
  size_t n_finals = 0;
  std::optional<ipc::TranscriptEvent> last_final;
  for (const auto& e : play_and_collect(wav, bus)) {
    if (e.kind == ipc::EventKind::kFinal) {
      ++n_finals;
      heard += " " + e.stable_text;
      EXPECT_EQ(e.stable_text.find('\n'), std::string::npos) << e.stable_text;
      EXPECT_EQ(e.stable_text.find("Spanish"), std::string::npos) << e.stable_text;
      last_final = e;
    } else if (e.kind == ipc::EventKind::kTranslation) {
      spanish += " " + e.stable_text;
      EXPECT_EQ(e.target_language, "es");
      ASSERT_TRUE(last_final.has_value()) << "a translation before any final";
      EXPECT_EQ(e.segment_id, last_final->segment_id);
      EXPECT_EQ(e.sequence, last_final->sequence + 1);
    }
  }
  const double wer = word_error_rate(words_of(speech.said), words_of(heard));
  std::printf("heard:    %s\nspanish:  %s\napertium: %s\nWER %.1f %%, chrF %.1f\n", heard.c_str(),
              spanish.c_str(), speech.spanish.c_str(), 100 * wer,
              scoring::chrf({speech.spanish}, {spanish}));
  EXPECT_GE(n_finals, kMinSegments);
  EXPECT_LE(wer, kMaxTranslatingWordErrorRate);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(kTimeout), std::optional<int>(0)) << daemon->log();
}

TEST_F(EndToEndTest, ASoundServerRestartIsLoggedWithItsReasonAndTheReturn) {
  auto daemon = start_daemon();
  const auto logged = [&](std::string_view what) { return env_.wait_for_log(*daemon, what, kTimeout); };
  pulse_.stop();
  EXPECT_TRUE(logged("source 'system': PulseAudio server at ")) << daemon->log();
  EXPECT_TRUE(logged(" went away: ")) << daemon->log();
  pulse_.start();
  EXPECT_TRUE(logged("source 'system': recording pulse source 'vsink.monitor'")) << daemon->log();
  EXPECT_TRUE(logged(" again after a reconnect")) << daemon->log();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}


TEST_F(EndToEndTest, ASourceThatFollowsTheDefaultInputLogsWhereTheServerMovedIt) {
  auto daemon = start_daemon({"--set", "source.system.device=@DEFAULT_SOURCE@"});
  pulse_.pactl("load-module module-null-sink sink_name=other");
  pulse_.pactl("set-default-source other.monitor");
  EXPECT_TRUE(env_.wait_for_log(*daemon,
                                "source 'system': recording pulse source 'other.monitor' (f32le 2ch 44100 Hz): the "
                                "server moved the stream there from 'vsink.monitor'",
                                kTimeout))
      << daemon->log();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}

TEST_F(EndToEndTest, ASuspendedSourceIsReportedUntilItsAudioReturns) {
  auto daemon = start_daemon();
  const auto logged = [&](std::string_view what) { return env_.wait_for_log(*daemon, what, kTimeout); };
  ipc::ControlClient control({.endpoint = env_.control_endpoint(), .timeout = 5000ms});
  EXPECT_EQ(control.status().sources.at(0).no_audio_s, 0.0);
  // Suspending the sink stops its monitor's stream without an error.
  pulse_.pactl("suspend-sink vsink 1");
  EXPECT_TRUE(logged("source 'system': no audio for 5 s from pulse source 'vsink.monitor'")) << daemon->log();
  const ipc::SourceStatus silent = control.status().sources.at(0);
  EXPECT_GE(silent.no_audio_s, 5.0);
  EXPECT_EQ(silent.state, ipc::SourceState::kRunning);
  const std::string summary = ipc::testing::run_shell(std::string(EARSHOT_BINARY_DIR) + "/cli/earshot status --endpoint " +
                                                      env_.control_endpoint()).output;
  EXPECT_NE(summary.find("   no audio for "), std::string::npos) << summary;
  pulse_.pactl("suspend-sink vsink 0");
  EXPECT_TRUE(logged("source 'system': audio again after ")) << daemon->log();
  EXPECT_EQ(control.status().sources.at(0).no_audio_s, 0.0);
  EXPECT_EQ(testing::count_of(daemon->log(), "no audio for"), 1u) << "one warning per quiet spell";
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}

}  // namespace
}  // namespace earshot::daemon
