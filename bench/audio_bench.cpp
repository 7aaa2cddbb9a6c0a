// Capture path costs: CPU time of the conversion (48 kHz stereo -> 16 kHz
// mono) per second of audio at several speexdsp qualities, the in-process
// latency from one device read to the block in the ring, and, when a
// PulseAudio server is reachable, the capture-to-consumer latency of a live
// source (the monitor of the default sink).
//
//   build-audio/bench/bench_audio [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "audio/audio_source.h"
#include "audio/block_assembler.h"
#include "audio/block_queue.h"
#include "audio/capture_converter.h"
#include "audio/pulse_source.h"
#include "audio/pulse_source_list.h"
#include "audio/wall_clock.h"

namespace {

using namespace earshot::audio;

constexpr uint32_t kRate = 48000;
constexpr uint32_t kChannels = 2;
constexpr size_t kPeriodFrames = kRate / 100;  // 10 ms, a typical device period

// One second of 48 kHz stereo s16: two tones, a little louder on the left.
std::vector<int16_t> stereo_s16_second() {
  std::vector<int16_t> pcm(kRate * kChannels);
  for (size_t i = 0; i < kRate; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double v = 0.3 * std::sin(2 * std::numbers::pi * 440 * t) +
                     0.2 * std::sin(2 * std::numbers::pi * 2900 * t);
    pcm[2 * i] = static_cast<int16_t>(v * 32767);
    pcm[2 * i + 1] = static_cast<int16_t>(0.8 * v * 32767);
  }
  return pcm;
}

// Real time of one iteration = CPU cost of converting 1 s of device audio.
void BM_Convert48kStereoTo16kMonoPerAudioSecond(benchmark::State& state) {
  const int quality = static_cast<int>(state.range(0));
  const std::vector<int16_t> pcm = stereo_s16_second();
  CaptureConverter converter({SampleFormat::kS16, kRate, kChannels}, quality);
  size_t n_out = 0;
  const auto sink = [&](std::span<const float> s, int64_t) { n_out += s.size(); };
  for (auto _ : state) {
    for (size_t f = 0; f < kRate; f += kPeriodFrames) {
      converter.convert(pcm.data() + f * kChannels, kPeriodFrames, sink);
    }
    benchmark::DoNotOptimize(n_out);
  }
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Convert48kStereoTo16kMonoPerAudioSecond)
    ->ArgName("quality")
    ->Arg(0)
    ->Arg(3)
    ->Arg(5)
    ->Arg(7)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond);

// One 10 ms device period (s16 stereo 48 kHz) from the read buffer into the
// consumer's ring: downmix, resample, cut blocks, push. The consumer pops in
// the same loop so the ring never fills.
void BM_DevicePeriodToRing(benchmark::State& state) {
  const std::vector<int16_t> pcm = stereo_s16_second();
  CaptureConverter converter({SampleFormat::kS16, kRate, kChannels}, 5);
  BlockQueue queue(64);
  CaptureCounters counters;
  BlockAssembler assembler(queue, counters, OverrunPolicy::kDrop, nullptr);
  AudioBlock block;
  size_t f = 0;
  for (auto _ : state) {
    const int64_t wall = wall_now_ns();
    converter.convert(
        pcm.data() + f * kChannels, kPeriodFrames,
        [&](std::span<const float> s, int64_t off) { assembler.append(s, wall + off); });
    f = (f + kPeriodFrames) % kRate;
    state.PauseTiming();
    while (queue.pop(block)) {
    }
    state.ResumeTiming();
  }
  state.counters["overrun_samples"] = static_cast<double>(counters.snapshot().n_overrun_samples);
}
BENCHMARK(BM_DevicePeriodToRing)->Unit(benchmark::kMicrosecond);

// Live: from the moment a sample was captured (block.wall_ns, from the
// server's latency report) to the moment the consumer holds its block, minus
// the block's own length. Needs a reachable server with a default sink.
void BM_PulseCaptureToConsumerLatency(benchmark::State& state) {
  try {
    list_pulse_sources({}, std::chrono::milliseconds(500));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  PulseSource source({.label = "bench",
                      .device = kDefaultMonitorName,
                      .fragment_ms = static_cast<uint32_t>(state.range(0))});
  source.start();
  std::vector<double> latencies_ms;
  AudioBlock block;
  for (auto _ : state) {
    latencies_ms.clear();
    while (latencies_ms.size() < 300) {
      if (!source.wait_pop(block, std::chrono::milliseconds(500))) continue;
      const int64_t block_ns = static_cast<int64_t>(block.n_samples) * 62500;
      latencies_ms.push_back(static_cast<double>(wall_now_ns() - block.wall_ns - block_ns) / 1e6);
    }
  }
  source.stop();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  state.counters["p50_ms"] = latencies_ms[latencies_ms.size() / 2];
  state.counters["p95_ms"] = latencies_ms[latencies_ms.size() * 95 / 100];
  state.counters["max_ms"] = latencies_ms.back();
  state.counters["overrun_samples"] = static_cast<double>(source.counters().n_overrun_samples);
}
BENCHMARK(BM_PulseCaptureToConsumerLatency)
    ->ArgName("fragment_ms")
    ->Arg(10)
    ->Arg(20)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("capture_block_samples", std::to_string(kBlockSamples));
  benchmark::AddCustomContext("device_period", "10 ms s16le 2ch 48000 Hz");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
