// The streaming session on the real engine and the bundled model, over real
// speech: a long stream keeps its memory flat and every published invariant,
// and its silence and background noise publish nothing. What the model
// recognises is not judged here (the model card and the WER-bound tests do
// that); how the stream behaves around it is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "audio/load_audio.h"
#include "model/model.h"
#include "model/prompt.h"
#include "stream/engine_decoder.h"
#include "stream/streaming_session.h"
#include "test_signals.h"

namespace earshot::stream {
namespace {

constexpr int kRate = 16000;
constexpr size_t kBlock = 160;  // what capture delivers: 10 ms

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * 4096.0 / (1 << 20);
}

// Checks the revision rules of docs/protocol.md on one source's events as they
// are published; returns the first broken rule, or "".
class InvariantChecker {
 public:
  std::string check(const ipc::TranscriptEvent& e) {
    if (e.sequence != last_sequence_ + 1) return "sequence " + std::to_string(e.sequence) + " after " +
                                                 std::to_string(last_sequence_);
    last_sequence_ = e.sequence;
    if (e.segment_id < segment_) return "segment id went back";
    if (e.segment_id > segment_) {
      if (segment_open_) return "segment " + std::to_string(segment_) + " ended without a final";
      if (e.audio_start_s < last_segment_end_s_) return "segments overlap";
      segment_ = e.segment_id;
      segment_open_ = true;
      stable_.clear();
      end_s_ = e.audio_start_s;
    } else if (!segment_open_) {
      return "event after the final of segment " + std::to_string(segment_);
    }
    if (e.stable_text.compare(0, stable_.size(), stable_) != 0) {
      return "stable text retracted: '" + stable_ + "' -> '" + e.stable_text + "'";
    }
    if (e.audio_end_s < end_s_) return "audio end went back";
    stable_ = e.stable_text;
    end_s_ = e.audio_end_s;
    if (e.kind == ipc::EventKind::kFinal) {
      if (!e.unstable_text.empty()) return "a final with unstable text";
      segment_open_ = false;
      last_segment_end_s_ = e.audio_end_s;
      finals.push_back(e);
    }
    return "";
  }

  std::vector<ipc::TranscriptEvent> finals;

 private:
  uint64_t last_sequence_ = 0;
  uint64_t segment_ = 0;
  bool segment_open_ = false;
  std::string stable_;
  double end_s_ = 0;
  double last_segment_end_s_ = 0;
};

class StreamingEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = model::Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf").release();
    speech_ = new std::vector<float>(audio::load_audio_16k(EARSHOT_SOURCE_DIR "/daemon/demo/speech-en.opus"));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete speech_;
  }

  static EngineDecoderParams decoder_params() {
    EngineDecoderParams p;
    p.session.n_threads = 1;
    p.instruction = model::transcription_instruction("English");
    return p;
  }

  static inline model::Model* model_ = nullptr;
  static inline std::vector<float>* speech_ = nullptr;
};

// A speech clip, then a gap of background (digital silence, or steady room
// noise at -55 dBFS), over and over; 16 kHz in 10 ms blocks, as fast as the
// session takes it.
class LongStream {
 public:
  LongStream(const std::vector<float>& speech, double gap_s) : speech_(speech), gap_(gap_s * kRate) {}

  // The next block; records where each clip lies.
  std::span<const float> next() {
    if (at_ == 0) build_cycle();
    const size_t n = std::min(kBlock, cycle_.size() - at_);
    std::span<const float> out(cycle_.data() + at_, n);
    at_ = (at_ + n) % cycle_.size();
    samples_ += n;
    return out;
  }
  double seconds() const { return static_cast<double>(samples_) / kRate; }
  // [start, end) seconds of every speech clip so far.
  const std::vector<std::pair<double, double>>& clips() const { return clips_; }

 private:
  void build_cycle() {
    const double start = static_cast<double>(samples_) / kRate;
    clips_.emplace_back(start, start + static_cast<double>(speech_.size()) / kRate);
    cycle_ = speech_;
    const bool silent = (n_cycles_++ % 2) == 0;
    const std::vector<float> gap = silent ? std::vector<float>(gap_, 0.0f)
                                          : testing::noise(static_cast<double>(gap_) / kRate, -55.0, n_cycles_);
    cycle_.insert(cycle_.end(), gap.begin(), gap.end());
  }

  const std::vector<float>& speech_;
  const size_t gap_;
  std::vector<float> cycle_;
  size_t at_ = 0;
  uint64_t samples_ = 0;
  int n_cycles_ = 0;
  std::vector<std::pair<double, double>> clips_;
};

bool overlaps_a_clip(const ipc::TranscriptEvent& e, const std::vector<std::pair<double, double>>& clips) {
  constexpr double kSlack = 0.5;  // pre-roll before the onset and the pause that closes a segment
  return std::any_of(clips.begin(), clips.end(), [&](const auto& c) {
    return e.audio_start_s < c.second + kSlack && e.audio_end_s > c.first - kSlack;
  });
}

TEST_F(StreamingEngine, ThirtyMinutesKeepMemoryFlatAndEveryInvariant) {
  constexpr double kMinutes = 30.0, kWarmupMinutes = 3.0, kGapSeconds = 12.0;
  EngineDecoder decoder(*model_, decoder_params());
  InvariantChecker checker;
  std::string broken;
  uint64_t n_events = 0;
  StreamingSession session(decoder, StreamConfig{}, "soak", [&](ipc::TranscriptEvent e) {
    ++n_events;
    if (broken.empty()) broken = checker.check(e);
  });
  LongStream stream(*speech_, kGapSeconds);
  double warm_mib = 0, peak_mib = 0;
  const auto start = std::chrono::steady_clock::now();
  while (stream.seconds() < kMinutes * 60) {
    session.push(stream.next());
    if (warm_mib == 0 && stream.seconds() >= kWarmupMinutes * 60) warm_mib = resident_mib();
    if (warm_mib > 0 && static_cast<uint64_t>(stream.seconds() * 100) % 6000 == 0) {
      peak_mib = std::max(peak_mib, resident_mib());  // once a minute of audio
    }
  }
  session.finish();
  peak_mib = std::max(peak_mib, resident_mib());
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("resident_mib_after_warmup", std::to_string(warm_mib));
  RecordProperty("resident_mib_peak_after", std::to_string(peak_mib));
  RecordProperty("real_time_factor", std::to_string(wall_s / stream.seconds()));
  std::printf("%.0f min of audio in %.0f s (RTF %.3f); %llu events, %zu finals; resident %.1f MiB after %.0f min, "
              "peak %.1f MiB after\n",
              stream.seconds() / 60, wall_s, wall_s / stream.seconds(), static_cast<unsigned long long>(n_events),
              checker.finals.size(), warm_mib, kWarmupMinutes, peak_mib);

  EXPECT_EQ(broken, "");
  // Every clip is heard (a pause inside it may split it), and no gap opens a segment.
  for (const auto& f : checker.finals) {
    EXPECT_TRUE(overlaps_a_clip(f, {stream.clips()})) << "segment " << f.segment_id << " [" << f.audio_start_s
                                                      << ", " << f.audio_end_s << "] lies in silence or noise";
  }
  for (const auto& clip : stream.clips()) {
    const bool heard = std::any_of(checker.finals.begin(), checker.finals.end(), [&](const auto& f) {
      return overlaps_a_clip(f, {clip});
    });
    EXPECT_TRUE(heard) << "no segment for the clip at " << clip.first << " s";
  }
  EXPECT_EQ(session.counters().n_frames_dropped, 0u);
  // Flat: what the first minutes allocated is reused for the remaining 27.
  EXPECT_LT(peak_mib - warm_mib, 8.0);
}

// Quiet audio never reaches the model, so the model cannot invent text on it.
TEST_F(StreamingEngine, SilenceAndSteadyNoisePublishNothing) {
  const std::vector<std::pair<std::string, std::vector<float>>> backgrounds = {
      {"digital silence", std::vector<float>(static_cast<size_t>(30 * kRate), 0.0f)},
      {"a quiet room", testing::noise(30.0, -60.0, 7)},
      {"a fan close to the microphone", testing::noise(30.0, -35.0, 8)},
  };
  for (const auto& [name, audio] : backgrounds) {
    EngineDecoder decoder(*model_, decoder_params());
    std::vector<ipc::TranscriptEvent> events;
    StreamingSession session(decoder, StreamConfig{}, "quiet", [&](ipc::TranscriptEvent e) { events.push_back(e); });
    for (size_t i = 0; i < audio.size(); i += kBlock) {
      session.push(std::span<const float>(audio.data() + i, std::min(kBlock, audio.size() - i)));
    }
    session.finish();
    EXPECT_TRUE(events.empty()) << name << ": " << events.size() << " events, the first: '"
                                << events.front().stable_text << events.front().unstable_text << "'";
    EXPECT_EQ(session.counters().n_frames_decoded, 0u) << name;
  }
}

}  // namespace
}  // namespace earshot::stream
