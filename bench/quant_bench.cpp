// matvec throughput for every weight type, at a 12B-like FFN shape (weights
// far larger than the caches: a memory-bandwidth test), a small-model shape
// (short rows: per-row overhead shows) and an in-cache shape (a compute test),
// on 1 and 2 threads.
//
// The counter weight_GBps is bytes of weights read per second of wall time
// (10^9 bytes): compare it with the machine's memory bandwidth (about 35 GB/s
// on one thread, 55-64 GB/s on two on the reference 2-core machine).
//
//   bench_quant --benchmark_filter='Q4_K'   # one type
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "model/blas_runtime.h"
#include "model/float16.h"
#include "model/ggml_types.h"
#include "model/quant_dot.h"
#include "model/quant_kernels.h"

namespace {

using earshot::model::GgmlType;

// Weight bytes with realistic values: floats ~N(0, 0.02), quants random, block
// scales small and finite.
std::vector<uint8_t> make_weights(GgmlType type, int64_t n_rows, int64_t n_cols) {
  using namespace earshot::model;
  const size_t n_bytes = row_bytes(type, n_cols) * static_cast<size_t>(n_rows);
  std::vector<uint8_t> bytes(n_bytes);
  uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (size_t i = 0; i + 8 <= n_bytes; i += 8) {
    const uint64_t v = next();
    std::memcpy(bytes.data() + i, &v, 8);
  }
  const auto small_float = [&] { return (static_cast<float>(next() % 2001) - 1000.0f) * 2e-5f; };
  const auto put16 = [&](size_t at, uint16_t v) { std::memcpy(bytes.data() + at, &v, 2); };
  const auto each_block = [&](size_t block_bytes, size_t scale_offset) {
    for (size_t at = 0; at + block_bytes <= n_bytes; at += block_bytes) {
      put16(at + scale_offset, fp32_to_fp16_portable(1e-3f + std::abs(small_float())));
    }
  };
  switch (type) {
    case GgmlType::kF32:
      for (size_t at = 0; at < n_bytes; at += 4) {
        const float v = small_float();
        std::memcpy(bytes.data() + at, &v, 4);
      }
      break;
    case GgmlType::kF16:
      for (size_t at = 0; at < n_bytes; at += 2) put16(at, fp32_to_fp16_portable(small_float()));
      break;
    case GgmlType::kBF16:
      for (size_t at = 0; at < n_bytes; at += 2) put16(at, fp32_to_bf16(small_float()));
      break;
    case GgmlType::kQ8_0: each_block(sizeof(BlockQ8_0), 0); break;
    case GgmlType::kQ4_0: each_block(sizeof(BlockQ4_0), 0); break;
    case GgmlType::kQ4_K:
      each_block(sizeof(BlockQ4_K), offsetof(BlockQ4_K, d));
      each_block(sizeof(BlockQ4_K), offsetof(BlockQ4_K, dmin));
      break;
    case GgmlType::kQ6_K: each_block(sizeof(BlockQ6_K), offsetof(BlockQ6_K, d)); break;
    default: break;
  }
  return bytes;
}

// Args: type id, n_rows, n_cols, n_threads.
void BM_Matvec(benchmark::State& state) {
  using namespace earshot::model;
  const auto type = static_cast<GgmlType>(state.range(0));
  const int64_t n_rows = state.range(1), n_cols = state.range(2);
  const int n_threads = static_cast<int>(state.range(3));
  const std::vector<uint8_t> weights = make_weights(type, n_rows, n_cols);
  const WeightMatrix w{type, weights.data(), n_rows, n_cols, row_bytes(type, n_cols)};
  std::vector<float> x(static_cast<size_t>(n_cols)), y(static_cast<size_t>(n_rows));
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : x) v = normal(rng);
  ThreadPool pool(n_threads);
  MatvecInput input;
  input.reserve(n_cols);
  for (auto _ : state) {
    matvec(w, x.data(), y.data(), input, pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(type_name(type)) + " " + std::to_string(n_rows) + "x" + std::to_string(n_cols) +
                 " t" + std::to_string(n_threads));
  state.counters["weight_GBps"] = benchmark::Counter(static_cast<double>(weights.size()) * 1e-9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
  state.counters["weight_MB"] = static_cast<double>(weights.size()) * 1e-6;
}

// The machine's read bandwidth at the moment, as the yardstick for the
// 12b_ffn_up figures: 256 MB streamed with AVX2 loads, rows split like matvec.
void BM_StreamRead(benchmark::State& state) {
  using namespace earshot::model;
  const int n_threads = static_cast<int>(state.range(0));
  constexpr int64_t kRows = 16384, kRowFloats = 4096;  // 256 MB
  std::vector<float> data(static_cast<size_t>(kRows * kRowFloats), 1.0f);
  std::vector<float> sums(kRows);
  ThreadPool pool(n_threads);
  for (auto _ : state) {
    pool.parallel_for(
        kRows,
        [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const float* row = data.data() + r * kRowFloats;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (int64_t i = 0; i < kRowFloats; i += 16) {
              a0 = _mm256_add_ps(a0, _mm256_loadu_ps(row + i));
              a1 = _mm256_add_ps(a1, _mm256_loadu_ps(row + i + 8));
            }
            sums[r] = _mm256_cvtss_f32(_mm256_add_ps(a0, a1));
          }
        },
        16);
    benchmark::DoNotOptimize(sums.data());
  }
  state.SetLabel("t" + std::to_string(n_threads));
  state.counters["read_GBps"] = benchmark::Counter(static_cast<double>(data.size() * sizeof(float)) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

// Preparing x alone (copy or 8-bit quantization), per call of matvec.
void BM_PrepareInput(benchmark::State& state) {
  using namespace earshot::model;
  const auto type = static_cast<GgmlType>(state.range(0));
  const int64_t n = state.range(1);
  std::vector<float> x(static_cast<size_t>(n), 0.5f);
  MatvecInput input;
  input.reserve(n);
  for (auto _ : state) {
    input.prepare(type, x.data(), n);
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(type_name(type)) + " n=" + std::to_string(n));
  state.SetItemsProcessed(state.iterations() * n);
}

constexpr GgmlType kTypes[] = {GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ8_0,
                               GgmlType::kQ4_0, GgmlType::kQ4_K, GgmlType::kQ6_K};

void register_benchmarks() {
  struct Shape {
    const char* name;
    int64_t n_rows, n_cols;
  };
  // 12B FFN up/gate: 15360 rows of 3840; a small default-model FFN: 1024 rows of 256.
  // And 128 rows of 2048, small enough to stay in L2 for the quantized types:
  // what the kernels compute when memory is not the limit.
  const Shape shapes[] = {{"12b_ffn_up", 15360, 3840}, {"small_ffn_up", 1024, 256}, {"in_cache", 128, 2048}};
  for (const Shape& shape : shapes) {
    for (GgmlType type : kTypes) {
      for (int n_threads : {1, 2}) {
        const std::string name = std::string("BM_Matvec/") + shape.name + "/" +
                                 std::string(earshot::model::type_name(type)) + "/threads:" + std::to_string(n_threads);
        benchmark::RegisterBenchmark(name.c_str(), BM_Matvec)
            ->Args({static_cast<int64_t>(type), shape.n_rows, shape.n_cols, n_threads})
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  for (int n_threads : {1, 2}) {
    const std::string name = "BM_StreamRead/threads:" + std::to_string(n_threads);
    benchmark::RegisterBenchmark(name.c_str(), BM_StreamRead)->Arg(n_threads)->UseRealTime()->Unit(benchmark::kMicrosecond);
  }
  for (GgmlType type : {GgmlType::kF32, GgmlType::kQ8_0, GgmlType::kQ4_K}) {
    const std::string name = std::string("BM_PrepareInput/") + std::string(earshot::model::type_name(type));
    benchmark::RegisterBenchmark(name.c_str(), BM_PrepareInput)->Args({static_cast<int64_t>(type), 3840});
  }
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string blas = earshot::model::describe(earshot::model::blas_info());
  const std::string kernels = earshot::model::kernels::simd_enabled() ? "AVX2/FMA/F16C" : "scalar reference";
  std::printf("# %s\n# cpu: %s, %u hardware threads\n# matvec kernels: %s\n", blas.c_str(), cpu_model().c_str(),
              std::thread::hardware_concurrency(), kernels.c_str());
  benchmark::AddCustomContext("blas", blas);
  benchmark::AddCustomContext("matvec_kernels", kernels);
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
