// Raw PCM on a pipe (what `earshot ... --source stdin:...` reads): formats,
// frames split across writes, end of input.
#include "audio/raw_pcm_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <thread>
#include <vector>

#include "audio/wall_clock.h"
#include "signal_analysis.h"

namespace earshot::audio {
namespace {

using namespace std::chrono_literals;
using testing::dominant_frequency;
using testing::make_sine;
using testing::rms;

// A pipe whose write end a thread fills in awkward pieces, then closes.
class PipeWriter {
 public:
  explicit PipeWriter(std::vector<unsigned char> bytes) : bytes_(std::move(bytes)) {
    if (pipe(fds_) != 0) throw std::runtime_error("pipe failed");
  }
  ~PipeWriter() {
    if (thread_.joinable()) thread_.join();
    close(fds_[0]);
    if (fds_[1] >= 0) close(fds_[1]);
  }
  int read_fd() const { return fds_[0]; }
  void start(size_t piece) {
    thread_ = std::thread([this, piece] {
      for (size_t i = 0; i < bytes_.size(); i += piece) {
        const size_t n = std::min(piece, bytes_.size() - i);
        if (write(fds_[1], bytes_.data() + i, n) != static_cast<ssize_t>(n)) break;
      }
      close(fds_[1]);
      fds_[1] = -1;
    });
  }

 private:
  std::vector<unsigned char> bytes_;
  int fds_[2] = {-1, -1};
  std::thread thread_;
};

template <typename T>
std::vector<unsigned char> as_bytes(const std::vector<T>& values) {
  std::vector<unsigned char> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::vector<float> read_all(RawPcmSource& source) {
  std::vector<float> out;
  AudioBlock block;
  const int64_t deadline = steady_now_ns() + 20 * kNsPerSecond;
  while (!source.ended() && steady_now_ns() < deadline) {
    if (source.wait_pop(block, 100ms))
      out.insert(out.end(), block.samples, block.samples + block.n_samples);
  }
  return out;
}

TEST(RawPcmFormat, ParsesFormatRateAndChannels) {
  const StreamFormat f = parse_raw_pcm_format("s16le:48000:2");
  EXPECT_EQ(f.sample_format, SampleFormat::kS16);
  EXPECT_EQ(f.rate, 48000u);
  EXPECT_EQ(f.n_channels, 2u);
  EXPECT_EQ(parse_raw_pcm_format("f32le:16000:1").sample_format, SampleFormat::kF32);
}

TEST(RawPcmFormat, RejectsMalformedTextSayingWhy) {
  const auto message = [](const char* text) {
    try {
      parse_raw_pcm_format(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message("s16le:48000").find("FORMAT:RATE:CHANNELS"), std::string::npos);
  EXPECT_NE(message("s24le:48000:2").find("'s24le'"), std::string::npos);
  EXPECT_NE(message("s16le:fast:2").find("rate"), std::string::npos);
  EXPECT_NE(message("s16le:48000:0").find("channel count"), std::string::npos);
  EXPECT_NE(message("s16le:48000:2:1").find("FORMAT:RATE:CHANNELS"), std::string::npos);
}

TEST(RawPcmSource, ReadsS16StereoSplitMidFrame) {
  // 1 s of 48 kHz stereo s16, written 1001 bytes at a time (frames of 4 bytes).
  const std::vector<float> sine = make_sine(700.0, 48000, 48000, 2, 0.5);
  std::vector<int16_t> pcm(sine.size());
  for (size_t i = 0; i < sine.size(); ++i) pcm[i] = static_cast<int16_t>(sine[i] * 32767.0f);
  PipeWriter writer(as_bytes(pcm));
  RawPcmSource source(
      {.label = "pipe", .fd = writer.read_fd(), .format = parse_raw_pcm_format("s16le:48000:2")});
  source.start();
  writer.start(1001);
  const std::vector<float> audio = read_all(source);
  EXPECT_EQ(source.state(), SourceState::kEnded) << source.status().message;
  EXPECT_EQ(audio.size(), 16000u);
  const std::span<const float> middle(audio.data() + 1600, 12800);
  EXPECT_NEAR(dominant_frequency(middle, 16000), 700.0, 1.0);
  EXPECT_NEAR(rms(middle), 0.3536, 0.01);
}

TEST(RawPcmSource, ReadsF32MonoAt16kUnchanged) {
  const std::vector<float> sine = make_sine(250.0, 16000, 8000, 1, 0.25);
  PipeWriter writer(as_bytes(sine));
  RawPcmSource source({.fd = writer.read_fd(), .format = parse_raw_pcm_format("f32le:16000:1")});
  source.start();
  writer.start(4096 + 3);
  const std::vector<float> audio = read_all(source);
  ASSERT_EQ(audio.size(), sine.size());
  for (size_t i = 0; i < sine.size(); ++i) ASSERT_EQ(audio[i], sine[i]) << i;
}

TEST(RawPcmSource, NonFiniteSamplesGoInAsSilenceAndAreCounted) {
  // A stream declared f32le that holds a few infinities and NaNs: through the
  // resampler one of them would smear over its whole filter and stay there.
  std::vector<float> sine = make_sine(250.0, 48000, 48000, 1, 0.25);
  sine[1000] = std::numeric_limits<float>::infinity();
  sine[20000] = -std::numeric_limits<float>::infinity();
  sine[30000] = std::numeric_limits<float>::quiet_NaN();
  PipeWriter writer(as_bytes(sine));
  RawPcmSource source({.fd = writer.read_fd(), .format = parse_raw_pcm_format("f32le:48000:1")});
  source.start();
  writer.start(4096);
  const std::vector<float> audio = read_all(source);
  ASSERT_EQ(audio.size(), 16000u);
  for (size_t i = 0; i < audio.size(); ++i) ASSERT_TRUE(std::isfinite(audio[i])) << i;
  EXPECT_NEAR(rms(std::span<const float>(audio.data() + 12000, 3200)), 0.1768, 0.01);
  EXPECT_EQ(source.counters().n_nonfinite_frames, 3u);
}

TEST(RawPcmSource, ReportsATrailingPartialFrame) {
  std::vector<unsigned char> bytes(4 * 100 + 3, 0);  // s16 stereo: 100 frames + 3 bytes
  PipeWriter writer(bytes);
  RawPcmSource source({.fd = writer.read_fd(), .format = parse_raw_pcm_format("s16le:16000:2")});
  source.start();
  writer.start(64);
  EXPECT_EQ(read_all(source).size(), 100u);
  EXPECT_NE(source.status().message.find("3 bytes of a partial frame"), std::string::npos)
      << source.status().message;
}

TEST(RawPcmSource, RefusesAClosedDescriptor) {
  RawPcmSource source({.fd = 987, .format = parse_raw_pcm_format("s16le:16000:1")});
  EXPECT_THROW(source.start(), std::runtime_error);
}

}  // namespace
}  // namespace earshot::audio
