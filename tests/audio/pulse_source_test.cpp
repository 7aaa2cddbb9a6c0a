// PulseSource and source listing against a real PulseAudio server started by
// the test: a tone played to the null sink "vsink" must come out of its
// monitor at 16 kHz; the server is restarted mid-stream; devices vanish.
#include "audio/pulse_source.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "audio/file_source.h"
#include "audio/pulse_source_list.h"
#include "audio/wall_clock.h"
#include "child_process.h"
#include "pulse_server.h"
#include "signal_analysis.h"
#include "sound_file_writer.h"

namespace earshot::audio {
namespace {

using namespace std::chrono_literals;
using testing::active_seconds;
using testing::dominant_frequency;
using testing::make_sine;
using testing::PulseServer;
using testing::rms;

// The null sink runs at 44.1 kHz stereo: a tone there exercises the real
// downmix and resampling path.
std::string write_tone(const PulseServer& server, const std::string& name, double hz,
                       double seconds) {
  const std::string path = server.file(name);
  const auto n_frames = static_cast<size_t>(44100 * seconds);
  testing::write_sound_file(path, make_sine(hz, 44100, n_frames, 2, 0.5), 44100, 2, SF_FORMAT_WAV,
                            SF_FORMAT_PCM_16);
  return path;
}

// Collects a source's blocks on a thread of its own, as a session would.
class Collector {
 public:
  explicit Collector(AudioSource& source) : source_(source), thread_([this] { run(); }) {}
  ~Collector() { finish(); }
  std::vector<AudioBlock> finish() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    return blocks_;
  }

 private:
  void run() {
    AudioBlock block;
    while (!done_) {
      if (source_.wait_pop(block, 50ms)) blocks_.push_back(block);
    }
    while (source_.pop(block)) blocks_.push_back(block);
  }
  AudioSource& source_;
  std::atomic<bool> done_{false};
  std::vector<AudioBlock> blocks_;
  std::thread thread_;
};

std::vector<float> samples_of(const std::vector<AudioBlock>& blocks, size_t begin = 0,
                              size_t end = SIZE_MAX) {
  std::vector<float> out;
  for (size_t i = begin; i < std::min(end, blocks.size()); ++i) {
    out.insert(out.end(), blocks[i].samples, blocks[i].samples + blocks[i].n_samples);
  }
  return out;
}

// Only the loud part, so the frequency is measured on the tone.
std::vector<float> loud_part(const std::vector<float>& audio) {
  std::vector<float> out;
  for (size_t i = 0; i + 160 <= audio.size(); i += 160) {
    const std::span<const float> window(audio.data() + i, 160);
    if (rms(window) > 0.2) out.insert(out.end(), window.begin(), window.end());
  }
  return out;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(PulseSource, RecordsWhatIsPlayedToTheSinkAt16kHz) {
  PulseServer server;
  PulseSource source({.label = "system", .device = "vsink.monitor"});
  source.start();
  EXPECT_EQ(source.state(), SourceState::kRunning);
  EXPECT_NE(source.describe().find("vsink.monitor"), std::string::npos) << source.describe();
  EXPECT_NE(source.describe().find("2ch 44100 Hz"), std::string::npos) << source.describe();

  Collector collector(source);
  const pid_t player = server.play(write_tone(server, "tone.wav", 1000.0, 2.0));
  ASSERT_EQ(testing::wait_exit(player, 10s), 0) << server.log();
  std::this_thread::sleep_for(300ms);
  const std::vector<AudioBlock> blocks = collector.finish();
  source.stop();

  const std::vector<float> audio = samples_of(blocks);
  EXPECT_NEAR(active_seconds(audio, 16000), 2.0, 0.1);
  const std::vector<float> tone = loud_part(audio);
  ASSERT_GT(tone.size(), 16000u);
  EXPECT_NEAR(dominant_frequency(tone, 16000), 1000.0, 1.0);
  EXPECT_NEAR(rms(tone), 0.5 / std::sqrt(2.0), 0.02);

  // Blocks are contiguous, stamped on the device clock and the wall clock.
  for (size_t i = 1; i < blocks.size(); ++i) {
    ASSERT_EQ(blocks[i].gap_ns, 0) << i;
    ASSERT_EQ(blocks[i].device_ns, blocks[i - 1].end_device_ns()) << i;
    ASSERT_GT(blocks[i].wall_ns, blocks[i - 1].wall_ns) << i;
  }
  // A monitor's timeline is its sink's: a fresh null sink hands over the block
  // it rendered ahead at once, and rewinds when a stream starts, so wall times
  // (which follow the server's latency reports) settle within about a second;
  // after that wall and device time advance together.
  ASSERT_GT(blocks.size(), 150u);
  const AudioBlock& last = blocks.back();
  const AudioBlock& second_before = blocks[blocks.size() - 101];
  EXPECT_NEAR(static_cast<double>(last.wall_ns - second_before.wall_ns) / 1e9,
              static_cast<double>(last.device_ns - second_before.device_ns) / 1e9, 0.1);
  EXPECT_LT(std::abs(static_cast<double>(wall_now_ns() - last.wall_ns)) / 1e9, 1.0);

  const SourceCounters c = source.counters();
  EXPECT_EQ(c.n_overrun_samples, 0u);
  EXPECT_EQ(c.n_reconnects, 0u);
  EXPECT_EQ(source.state(), SourceState::kStopped);
}

// stop() hands out the last part-filled block and the resampler's tail. Without
// them every recording would be whole 10 ms blocks (160 samples). With them a
// recording is as long as its input: with 7 ms fragments (308 frames at 44.1
// kHz, 111.7 samples at 16 kHz) a multiple of 160 only at every 63rd fragment,
// so three recordings of different lengths that all were would mean the tail
// is lost. (20 ms fragments, the default, would give whole blocks anyway.)
TEST(PulseSource, StopDeliversTheAudioRecordedUpToIt) {
  PulseServer server;
  const pid_t player = server.play(write_tone(server, "tone.wav", 440.0, 8.0));  // keeps the sink busy
  std::vector<size_t> lengths;
  for (int i = 0; i < 3; ++i) {
    PulseSource source({.label = "system", .device = "vsink.monitor", .fragment_ms = 7});
    source.start();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (source.counters().n_samples == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(100ms + 17ms * i);
    source.stop();
    size_t n = 0;
    AudioBlock block;
    while (source.pop(block)) n += block.n_samples;
    ASSERT_GT(n, 0u) << server.log();
    lengths.push_back(n);
  }
  const bool any_partial = std::any_of(lengths.begin(), lengths.end(), [](size_t n) { return n % 160 != 0; });
  EXPECT_TRUE(any_partial) << lengths[0] << ", " << lengths[1] << ", " << lengths[2] << " samples";
  kill(player, SIGTERM);
  testing::wait_exit(player, 10s);
}

TEST(PulseSource, ResolvesTheMonitorOfTheDefaultSink) {
  PulseServer server;
  PulseSource source({.label = "system", .device = kDefaultMonitorName});
  source.start();
  EXPECT_NE(source.describe().find("'vsink.monitor'"), std::string::npos) << source.describe();
  Collector collector(source);
  const pid_t player = server.play(write_tone(server, "tone.wav", 2500.0, 1.0));
  ASSERT_EQ(testing::wait_exit(player, 10s), 0);
  std::this_thread::sleep_for(200ms);
  const std::vector<float> tone = loud_part(samples_of(collector.finish()));
  ASSERT_GT(tone.size(), 8000u);
  EXPECT_NEAR(dominant_frequency(tone, 16000), 2500.0, 1.0);
}

TEST(PulseSource, TheDefaultInputIsTheServersDefaultSource) {
  PulseServer server;  // with only a null sink, its monitor is the default source
  PulseSource source({.label = "mic"});
  source.start();
  EXPECT_NE(source.describe().find("vsink.monitor"), std::string::npos) << source.describe();
}

// A source that follows the default input goes where the server moves its
// stream: the status names the new source and the old, and its audio arrives.
TEST(PulseSource, FollowsTheDefaultInputWhenTheServerMovesItsStream) {
  PulseServer server;
  PulseSource source({.label = "mic"});
  source.start();
  ASSERT_NE(source.describe().find("vsink.monitor"), std::string::npos) << source.describe();
  server.pactl("load-module module-null-sink sink_name=other");
  server.pactl("set-default-source other.monitor");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (source.status().message.find("moved") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const SourceStatus moved = source.status();
  EXPECT_EQ(moved.state, SourceState::kRunning);
  EXPECT_NE(moved.message.find("recording pulse source 'other.monitor' ("), std::string::npos) << moved.message;
  EXPECT_NE(moved.message.find("the server moved the stream there from 'vsink.monitor'"), std::string::npos)
      << moved.message;
  EXPECT_NE(source.describe().find("'other.monitor'"), std::string::npos) << source.describe();

  Collector collector(source);
  const pid_t player = server.play(write_tone(server, "tone.wav", 2000.0, 1.0), "other");
  ASSERT_EQ(testing::wait_exit(player, 10s), 0) << server.log();
  std::this_thread::sleep_for(200ms);
  const std::vector<float> tone = loud_part(samples_of(collector.finish()));
  ASSERT_GT(tone.size(), 8000u);
  EXPECT_NEAR(dominant_frequency(tone, 16000), 2000.0, 1.0);
}

TEST(PulseSource, AnUnknownSourceFailsNamingIt) {
  PulseServer server;
  PulseSource source({.device = "no_such_mic"});
  const std::string m = message_of([&] { source.start(); });
  EXPECT_NE(m.find("'no_such_mic'"), std::string::npos) << m;
  EXPECT_NE(m.find("earshot sources"), std::string::npos) << m;
  EXPECT_EQ(source.state(), SourceState::kFailed);
}

TEST(PulseSource, AnUnreachableServerFailsNamingIt) {
  PulseSource source({.server = "unix:/nonexistent/pulse/native", .device = "vsink.monitor"});
  const std::string m = message_of([&] { source.start(); });
  EXPECT_NE(m.find("unix:/nonexistent/pulse/native"), std::string::npos) << m;
  EXPECT_NE(m.find("cannot be reached"), std::string::npos) << m;
}

TEST(PulseSource, ReconnectsAfterTheServerRestartsAndReportsTheGap) {
  PulseServer server;
  PulseSource source({.label = "system", .device = kDefaultMonitorName, .retry_interval = 250ms});
  source.start();
  Collector collector(source);

  const pid_t before = server.play(write_tone(server, "before.wav", 1000.0, 1.0));
  ASSERT_EQ(testing::wait_exit(before, 10s), 0);
  std::this_thread::sleep_for(200ms);

  server.stop();
  const int64_t down_at = wall_now_ns();
  EXPECT_TRUE(wait_until([&] { return source.state() == SourceState::kReconnecting; }, 2s));
  const SourceStatus lost = source.status();
  EXPECT_NE(lost.message.find("went away"), std::string::npos) << lost.message;
  std::this_thread::sleep_for(1s);

  server.start();  // returns once the server lists vsink.monitor again
  const int64_t back_at = wall_now_ns();
  EXPECT_TRUE(wait_until([&] { return source.counters().n_reconnects == 1; }, 2s))
      << source.status().message;
  const double reconnect_s = static_cast<double>(wall_now_ns() - back_at) / 1e9;
  EXPECT_EQ(source.state(), SourceState::kRunning) << source.status().message;

  const pid_t after = server.play(write_tone(server, "after.wav", 2000.0, 1.0));
  ASSERT_EQ(testing::wait_exit(after, 10s), 0);
  std::this_thread::sleep_for(200ms);
  const std::vector<AudioBlock> blocks = collector.finish();
  source.stop();

  // Exactly one gap, about as long as the server was away.
  size_t gap_index = 0;
  int n_gaps = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].gap_ns > 0) gap_index = i, ++n_gaps;
  }
  ASSERT_EQ(n_gaps, 1);
  const double gap_s = static_cast<double>(blocks[gap_index].gap_ns) / 1e9;
  const double down_s = static_cast<double>(back_at - down_at) / 1e9;
  EXPECT_GT(gap_s, down_s - 0.1) << "down " << down_s << " s";
  // The bound is "the outage plus start-up", not a speed: a fresh null sink
  // renders its first block ahead (up to 2 s) and feeds its monitor only from
  // the next render, and a loaded machine delays the first callback further.
  EXPECT_LT(gap_s, down_s + reconnect_s + 3.0) << "down " << down_s << " s";
  EXPECT_EQ(blocks[gap_index].device_ns,
            blocks[gap_index - 1].end_device_ns() + blocks[gap_index].gap_ns);
  const SourceCounters c = source.counters();
  EXPECT_EQ(c.n_reconnects, 1u);
  EXPECT_EQ(c.n_gaps, 1u);
  EXPECT_EQ(c.gap_ns, blocks[gap_index].gap_ns);

  // The first tone before the gap, the second after it.
  EXPECT_NEAR(dominant_frequency(loud_part(samples_of(blocks, 0, gap_index)), 16000), 1000.0, 1.0);
  EXPECT_NEAR(dominant_frequency(loud_part(samples_of(blocks, gap_index)), 16000), 2000.0, 1.0);
  RecordProperty("reconnect_seconds", std::to_string(reconnect_s));
  RecordProperty("down_seconds", std::to_string(down_s));
  RecordProperty("gap_seconds", std::to_string(gap_s));
}

TEST(PulseSource, AVanishingDeviceIsReportedByName) {
  PulseServer server;
  const std::string module = server.pactl("load-module module-null-sink sink_name=extra");
  PulseSource source({.device = "extra.monitor", .retry_interval = 250ms});
  source.start();
  server.pactl("unload-module " + module);
  EXPECT_TRUE(wait_until([&] { return source.state() == SourceState::kReconnecting; }, 3s));
  const std::string m = source.status().message;
  EXPECT_NE(m.find("extra.monitor"), std::string::npos) << m;
  // It comes back when the device does.
  server.pactl("load-module module-null-sink sink_name=extra");
  EXPECT_TRUE(wait_until([&] { return source.state() == SourceState::kRunning; }, 3s))
      << source.status().message;
  EXPECT_EQ(source.counters().n_reconnects, 1u);
}

TEST(PulseSource, SeveralSourcesRunAtOnceEachWithItsOwnRing) {
  PulseServer server;
  const std::string file = write_tone(server, "file.wav", 440.0, 1.0);
  PulseSource system({.label = "system", .device = kDefaultMonitorName});
  PulseSource second({.label = "system2", .device = "vsink.monitor"});
  FileSource recording({.label = "recording", .path = file});
  system.start();
  second.start();
  recording.start();
  Collector a(system), b(second), c(recording);
  const pid_t player = server.play(write_tone(server, "tone.wav", 3000.0, 1.0));
  ASSERT_EQ(testing::wait_exit(player, 10s), 0);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(wait_until([&] { return is_final(recording.state()); }, 5s));
  const auto blocks_a = a.finish(), blocks_b = b.finish(), blocks_c = c.finish();
  EXPECT_EQ(system.label(), "system");
  EXPECT_EQ(recording.label(), "recording");
  EXPECT_NEAR(dominant_frequency(loud_part(samples_of(blocks_a)), 16000), 3000.0, 1.0);
  EXPECT_NEAR(dominant_frequency(loud_part(samples_of(blocks_b)), 16000), 3000.0, 1.0);
  EXPECT_NEAR(dominant_frequency(loud_part(samples_of(blocks_c)), 16000), 440.0, 1.0);
  EXPECT_EQ(samples_of(blocks_c).size(), 16000u);
}

TEST(PulseSourceList, ListsTheMonitorWithItsFormatAndDefaults) {
  PulseServer server;
  const PulseServerSources info = list_pulse_sources(server.address());
  EXPECT_EQ(info.default_sink, "vsink");
  EXPECT_EQ(info.default_monitor, "vsink.monitor");
  ASSERT_EQ(info.sources.size(), 1u);
  const PulseSourceInfo& s = info.sources[0];
  EXPECT_EQ(s.name, "vsink.monitor");
  EXPECT_TRUE(s.is_monitor);
  EXPECT_EQ(s.monitor_of_sink, "vsink");
  EXPECT_TRUE(s.is_default_monitor);
  EXPECT_EQ(s.rate, 44100u);
  EXPECT_EQ(s.n_channels, 2u);
  EXPECT_EQ(s.sample_format, "s16le");
}

TEST(PulseSourceList, SaysWhichServerItCouldNotReach) {
  const std::string m =
      message_of([] { list_pulse_sources("unix:/nonexistent/pulse/native", 1s); });
  EXPECT_NE(m.find("cannot reach a PulseAudio server at 'unix:/nonexistent/pulse/native'"),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace earshot::audio
