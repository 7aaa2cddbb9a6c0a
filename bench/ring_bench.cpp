// Throughput of the capture->consumer ring for the block sizes capture uses.
#include <benchmark/benchmark.h>

#include <vector>

#include "audio/sample_ring.h"

static void BM_RingWriteRead(benchmark::State& state) {
  const size_t block = static_cast<size_t>(state.range(0));
  earshot::audio::SpscRing<float> ring(1 << 16);
  std::vector<float> in(block, 0.5f), out(block);
  for (auto _ : state) {
    ring.write(in);
    benchmark::DoNotOptimize(ring.read(out));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(block));
}
BENCHMARK(BM_RingWriteRead)->Arg(160)->Arg(640)->Arg(4096);

BENCHMARK_MAIN();
