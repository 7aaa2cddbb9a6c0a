// Files into the pipeline: load_audio_16k() and FileSource, with files written
// by libsndfile in the test (WAV, FLAC, Ogg Opus), and the errors a user sees.
#include "audio/file_source.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "audio/load_audio.h"
#include "audio/wall_clock.h"
#include "signal_analysis.h"
#include "sound_file_writer.h"
#include "temp_dir.h"

namespace earshot::audio {
namespace {

using namespace std::chrono_literals;
using testing::dominant_frequency;
using testing::make_sine;
using testing::rms;
using testing::TempDir;
using testing::write_sound_file;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

// Reads every block until the source ends.
std::vector<AudioBlock> drain(AudioSource& source, std::chrono::seconds limit = 20s) {
  std::vector<AudioBlock> blocks;
  const int64_t deadline = steady_now_ns() + limit.count() * kNsPerSecond;
  AudioBlock block;
  while (!source.ended() && steady_now_ns() < deadline) {
    if (source.wait_pop(block, 100ms)) blocks.push_back(block);
  }
  return blocks;
}

std::vector<float> samples_of(const std::vector<AudioBlock>& blocks) {
  std::vector<float> out;
  for (const AudioBlock& b : blocks) out.insert(out.end(), b.samples, b.samples + b.n_samples);
  return out;
}

struct Case {
  const char* name;
  int major;
  int subtype;
  uint32_t rate;  // Opus takes 48 kHz (not 44.1)
};

class LoadAudio : public ::testing::TestWithParam<Case> {};

TEST_P(LoadAudio, RoundTripsAStereo44kToneTo16kMono) {
  const Case c = GetParam();
  TempDir dir;
  const std::string path = dir.file(std::string("tone.") + c.name);
  write_sound_file(path, make_sine(440.0, c.rate, c.rate, 2, 0.5), c.rate, 2, c.major, c.subtype);
  const std::vector<float> audio = load_audio_16k(path);
  // Lossless formats keep the length to the sample; Opus to its frame.
  EXPECT_NEAR(static_cast<double>(audio.size()), 16000.0, c.major == SF_FORMAT_OGG ? 400.0 : 1.0);
  const std::span<const float> middle(audio.data() + 1600, 12800);
  EXPECT_NEAR(dominant_frequency(middle, 16000), 440.0, 1.0);
  EXPECT_NEAR(rms(middle), 0.3536, 0.02);
}

INSTANTIATE_TEST_SUITE_P(Formats, LoadAudio,
                         ::testing::Values(Case{"wav", SF_FORMAT_WAV, SF_FORMAT_PCM_16, 44100},
                                           Case{"flac", SF_FORMAT_FLAC, SF_FORMAT_PCM_16, 44100},
                                           Case{"opus", SF_FORMAT_OGG, SF_FORMAT_OPUS, 48000}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LoadAudio, SamplesThatAreNotNumbersAreCountedAndReadAsSilence) {
  TempDir dir;
  const std::string path = dir.file("damaged.wav");
  std::vector<float> samples = make_sine(440.0, 16000, 16000, 1, 0.5);
  samples[100] = std::numeric_limits<float>::infinity();
  samples[200] = std::numeric_limits<float>::quiet_NaN();
  write_sound_file(path, samples, 16000, 1, SF_FORMAT_WAV, SF_FORMAT_FLOAT);
  const LoadedAudio loaded = load_audio(path);
  EXPECT_EQ(loaded.n_nonfinite, 2u);
  ASSERT_NEAR(static_cast<double>(loaded.samples.size()), 16000.0, 1.0);
  for (const float x : loaded.samples) ASSERT_TRUE(std::isfinite(x));
}

TEST(LoadAudioErrors, AMissingFileIsNamed) {
  const std::string m = message_of([] { load_audio_16k("/nonexistent/speech.wav"); });
  EXPECT_NE(m.find("'/nonexistent/speech.wav'"), std::string::npos) << m;
  EXPECT_NE(m.find("No such file"), std::string::npos) << m;
}

TEST(LoadAudioErrors, ATextFileIsNotAudio) {
  TempDir dir;
  const std::string path = dir.file("notes.wav");
  std::ofstream(path) << "these are not samples\n";
  const std::string m = message_of([&] { load_audio_16k(path); });
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find("not an audio format"), std::string::npos) << m;
}

TEST(LoadAudioErrors, ADirectoryIsRefused) {
  TempDir dir;
  const std::string m = message_of([&] { load_audio_16k(dir.path().string()); });
  EXPECT_NE(m.find("directory"), std::string::npos) << m;
}

TEST(FileSource, DeliversAWholeFileAsFastAsPossibleAndEnds) {
  TempDir dir;
  const std::string path = dir.file("tone.flac");
  write_sound_file(path, make_sine(1000.0, 48000, 48000 * 3, 2, 0.5), 48000, 2, SF_FORMAT_FLAC,
                   SF_FORMAT_PCM_24);
  // A ring smaller than the file: fast mode waits for the consumer, loses nothing.
  FileSource source({.label = "book",
                     .path = path,
                     .pacing = FileSource::Pacing::kAsFastAsPossible,
                     .capture = {.resample_quality = 5, .ring_seconds = 0.5}});
  source.start();
  EXPECT_NE(source.describe().find("FLAC"), std::string::npos) << source.describe();
  const std::vector<AudioBlock> blocks = drain(source);
  EXPECT_EQ(source.state(), SourceState::kEnded) << source.status().message;
  EXPECT_EQ(source.label(), "book");

  const std::vector<float> audio = samples_of(blocks);
  EXPECT_EQ(audio.size(), 48000u);
  EXPECT_NEAR(dominant_frequency(std::span<const float>(audio).subspan(1600, 40000), 16000), 1000.0,
              1.0);
  // Blocks follow each other without gaps; device time is the file position.
  for (size_t i = 1; i < blocks.size(); ++i) {
    ASSERT_EQ(blocks[i].gap_ns, 0);
    ASSERT_EQ(blocks[i].first_sample, blocks[i - 1].first_sample + blocks[i - 1].n_samples);
    ASSERT_EQ(blocks[i].device_ns, blocks[i - 1].end_device_ns());
  }
  EXPECT_EQ(blocks.back().end_device_ns(), 3 * kNsPerSecond);
  const SourceCounters c = source.counters();
  EXPECT_EQ(c.n_samples, 48000u);
  EXPECT_EQ(c.n_overrun_samples, 0u);
}

TEST(FileSource, RealTimePacingTakesAboutTheFileLength) {
  TempDir dir;
  const std::string path = dir.file("short.wav");
  write_sound_file(path, make_sine(300.0, 22050, 11025, 1, 0.3), 22050, 1, SF_FORMAT_WAV,
                   SF_FORMAT_FLOAT);
  FileSource source({.path = path, .pacing = FileSource::Pacing::kRealTime});
  const int64_t wall_start = wall_now_ns();
  const int64_t t0 = steady_now_ns();
  source.start();
  const std::vector<AudioBlock> blocks = drain(source);
  const double elapsed_s = static_cast<double>(steady_now_ns() - t0) / kNsPerSecond;
  EXPECT_GE(elapsed_s, 0.45);  // 0.5 s of audio is not delivered faster than it plays
  EXPECT_EQ(samples_of(blocks).size(), 8000u);
  // Wall times run from the start at the audio's pace.
  ASSERT_FALSE(blocks.empty());
  EXPECT_NEAR(static_cast<double>(blocks.front().wall_ns - wall_start) / 1e6, 0.0, 50.0);
  EXPECT_NEAR(static_cast<double>(blocks.back().wall_ns - blocks.front().wall_ns) / 1e6,
              static_cast<double>(blocks.back().device_ns - blocks.front().device_ns) / 1e6, 1.0);
}

TEST(FileSource, StopEndsAPacedFileEarly) {
  TempDir dir;
  const std::string path = dir.file("long.wav");
  write_sound_file(path, make_sine(300.0, 16000, 16000 * 30, 1, 0.3), 16000, 1, SF_FORMAT_WAV,
                   SF_FORMAT_PCM_16);
  FileSource source({.path = path});
  source.start();
  std::this_thread::sleep_for(100ms);
  source.stop();
  EXPECT_EQ(source.state(), SourceState::kStopped);
  AudioBlock block;
  while (source.pop(block)) {
  }
  EXPECT_TRUE(source.ended());
  EXPECT_LT(source.counters().n_samples, 16000u * 5);
}

TEST(FileSource, StartNamesAMissingFile) {
  FileSource source({.path = "/nonexistent/meeting.flac"});
  const std::string m = message_of([&] { source.start(); });
  EXPECT_NE(m.find("/nonexistent/meeting.flac"), std::string::npos) << m;
  EXPECT_EQ(source.state(), SourceState::kIdle);
}

}  // namespace
}  // namespace earshot::audio
