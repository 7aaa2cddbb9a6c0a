// AlsaSource against real ALSA PCMs: the "pulse" plugin device recording the
// test's own PulseAudio server (no sound card needed), a plugin chain that
// refuses float samples, and a card that does not exist.
#include "audio/alsa_source.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "audio/alsa_device_list.h"
#include "audio/alsa_pcm.h"
#include "child_process.h"
#include "pulse_server.h"
#include "signal_analysis.h"
#include "sound_file_writer.h"

namespace earshot::audio {
namespace {

using namespace std::chrono_literals;
using testing::dominant_frequency;
using testing::make_sine;
using testing::PulseServer;
using testing::rms;

// ALSA reads ~/.asoundrc once per process, at its first use: PulseServer has
// pointed HOME at its directory, so this must run before any ALSA call.
void define_alsa_devices(const PulseServer& server) {
  std::ofstream(server.file(".asoundrc")) << R"(
pcm.nofloat {
  type lfloat
  slave { pcm "plug:pulse"; format FLOAT_LE }
}
)";
}

std::string write_tone(const PulseServer& server, double hz, double seconds) {
  const std::string path = server.file("tone.wav");
  const auto n = static_cast<size_t>(44100 * seconds);
  testing::write_sound_file(path, make_sine(hz, 44100, n, 2, 0.5), 44100, 2, SF_FORMAT_WAV,
                            SF_FORMAT_PCM_16);
  return path;
}

// Records while a tone plays; returns the loud part of what came out.
std::vector<float> record_tone(PulseServer& server, AlsaSource& source, double hz) {
  std::atomic<bool> done{false};
  std::vector<float> loud;
  std::thread consumer([&] {
    AudioBlock block;
    while (!done) {
      if (!source.wait_pop(block, 50ms)) continue;
      if (rms(block.view()) > 0.2)
        loud.insert(loud.end(), block.samples, block.samples + block.n_samples);
    }
  });
  const pid_t player = server.play(write_tone(server, hz, 1.5));
  const int status = testing::wait_exit(player, 10s);
  std::this_thread::sleep_for(300ms);
  done = true;
  consumer.join();
  EXPECT_EQ(status, 0) << server.log();
  return loud;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(AlsaSource, RecordsThroughThePulsePluginDevice) {
  PulseServer server;
  define_alsa_devices(server);
  AlsaSource source({.label = "mic", .device = "pulse"});
  source.start();
  EXPECT_NE(source.describe().find("f32le 2ch 48000 Hz"), std::string::npos) << source.describe();
  const std::vector<float> tone = record_tone(server, source, 1500.0);
  source.stop();
  EXPECT_NEAR(static_cast<double>(tone.size()) / 16000.0, 1.5, 0.1);
  ASSERT_GT(tone.size(), 8000u);
  EXPECT_NEAR(dominant_frequency(tone, 16000), 1500.0, 1.0);
  EXPECT_NEAR(rms(tone), 0.3536, 0.02);
  EXPECT_EQ(source.counters().n_overrun_samples, 0u);
  EXPECT_EQ(source.state(), SourceState::kStopped);
}

TEST(AlsaSource, TakesTheFormatAskedFor) {
  PulseServer server;
  define_alsa_devices(server);
  AlsaSource source({.device = "pulse", .rate = 44100, .n_channels = 1, .sample_format = "s16le"});
  source.start();
  EXPECT_NE(source.describe().find("s16le 1ch 44100 Hz"), std::string::npos) << source.describe();
  const std::vector<float> tone = record_tone(server, source, 700.0);
  ASSERT_GT(tone.size(), 8000u);
  EXPECT_NEAR(dominant_frequency(tone, 16000), 700.0, 1.0);
}

TEST(AlsaSource, FallsBackToIntegerSamplesWhenFloatIsRefused) {
  PulseServer server;
  define_alsa_devices(server);
  AlsaSource source({.device = "nofloat"});
  source.start();
  EXPECT_NE(source.describe().find("s32le"), std::string::npos) << source.describe();
  const std::vector<float> tone = record_tone(server, source, 440.0);
  ASSERT_GT(tone.size(), 8000u);
  EXPECT_NEAR(dominant_frequency(tone, 16000), 440.0, 1.0);
}

TEST(AlsaSource, ARefusedFormatIsNamedWithTheDevice) {
  PulseServer server;
  define_alsa_devices(server);
  AlsaSource source({.device = "nofloat", .sample_format = "f32le"});
  const std::string m = message_of([&] { source.start(); });
  EXPECT_NE(m.find("'nofloat'"), std::string::npos) << m;
  EXPECT_NE(m.find("refuses sample format f32le"), std::string::npos) << m;
  EXPECT_NE(m.find("asked f32le 2ch 48000 Hz"), std::string::npos) << m;
}

TEST(AlsaSource, AMissingCardIsNamed) {
  AlsaSource source({.device = "hw:9,0"});
  const std::string m = message_of([&] { source.start(); });
  EXPECT_NE(m.find("'hw:9,0'"), std::string::npos) << m;
  EXPECT_NE(m.find("cannot be opened for capture"), std::string::npos) << m;
  EXPECT_EQ(source.state(), SourceState::kIdle);
}

TEST(AlsaSource, ErrorsAreNamedInAlsasWordsAlsoForItsOwnCodes) {
  EXPECT_EQ(alsa_error_text(-EPIPE), std::strerror(EPIPE));
  // ALSA's own codes start at 500000, beyond errno: strerror knows none of them.
  const std::string own = alsa_error_text(-500000);
  EXPECT_EQ(own.find("Unknown error"), std::string::npos) << own;
  EXPECT_FALSE(own.empty());
}

TEST(AlsaDeviceList, ListsCaptureDevices) {
  PulseServer server;
  define_alsa_devices(server);
  bool has_pulse = false;
  for (const AlsaDeviceInfo& d : list_alsa_capture_devices()) has_pulse |= d.name == "pulse";
  EXPECT_TRUE(has_pulse);
}

}  // namespace
}  // namespace earshot::audio
