// End-to-end speed of the inference engine:
//   1. the machine: BLAS library and threads, CPU flags, memory read bandwidth;
//   2. a GGUF model (the bundled one by default): prefill rows/s (text and
//      audio), decode ms/token and the weight bytes it reads per second;
//   3. one Gemma 4 12B layer of each kind (sliding: 8 KV heads x 256; full:
//      1 KV head x 512, K = V), hidden 3840, GeGLU 15360, 16 heads, with
//      synthetic weights in Q4_K and Q8_0, extrapolated to the 12B's 40 sliding
//      + 8 full layers; prefill GFLOP/s against sgemm alone on the same shapes
//      (F32; OpenBLAS's threads and the pool's shares side by side), decode
//      GB/s against the memory bandwidth of (1).
//
//   bench_engine [--model M.gguf [--mmproj P.gguf]] [--threads 2] [--rows 128] [--steps 32]
//                [--skip-12b] [--skip-model]
//
// Timings are wall-clock medians of --repeat runs; a loaded machine shows up
// as spread between runs (printed).
#include <CLI/CLI.hpp>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/blas_runtime.h"
#include "model/decoder.h"
#include "model/float16.h"
#include "model/kv_cache.h"
#include "model/matmul.h"
#include "model/model.h"
#include "model/parallel.h"
#include "model/quant_blocks.h"
#include "model/quant_dot.h"
#include "model/session.h"

namespace {

using namespace earshot::model;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string model;
  std::string mmproj;
  int n_threads = 2;
  int n_rows = 128;
  int n_steps = 32;
  int n_repeat = 3;
  bool skip_12b = false;
  bool skip_model = false;
};

struct Timing {
  double median = 0, min = 0, max = 0;
};

// Runs setup() then fn() n times; times fn only.
Timing time_runs(int n, const std::function<void()>& setup, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    setup();
    const auto start = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front(), t.back()};
}

// --- 1. the machine -----------------------------------------------------------------------

double memory_read_gbps(ThreadPool& pool, int n_repeat) {
  const size_t n = size_t{256} << 20 >> 2;  // 256 MiB of floats
  std::vector<float> buf(n, 1.0f);
  constexpr int64_t kChunk = 1 << 16;
  const int64_t n_chunks = static_cast<int64_t>(n) / kChunk;
  std::vector<float> sums(static_cast<size_t>(n_chunks));
  const Timing t = time_runs(
      n_repeat, [] {},
      [&] {
        pool.parallel_for(n_chunks, [&](int64_t begin, int64_t end) {
          for (int64_t c = begin; c < end; ++c) {
            const float* p = buf.data() + c * kChunk;
            sums[static_cast<size_t>(c)] = kernels::dot_f32(p, p, kChunk);  // one read of each line
          }
        });
      });
  return static_cast<double>(n * sizeof(float)) / t.median / 1e9;
}

// --- 2. a GGUF model -----------------------------------------------------------------------

void bench_model(const Options& o) {
  const auto load_start = Clock::now();
  auto model = Model::load(o.model, o.mmproj);
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  const TextHparams& hp = model->hparams();
  std::printf("\n== model %s\n", o.model.c_str());
  std::printf("layers %d, d %d, ffn %d, vocab %d, weights %.1f MB, loaded in %.3f s\n", hp.n_layer, hp.n_embd,
              hp.n_ff, hp.n_vocab, static_cast<double>(model->weight_bytes()) / 1e6, load_s);

  SessionParams p;
  p.n_threads = o.n_threads;
  p.n_batch = std::max(o.n_rows, 1);
  p.n_ctx = o.n_rows + o.n_steps + 64;
  Session s(*model, p);
  std::mt19937 rng(1);
  std::vector<TokenId> ids(static_cast<size_t>(o.n_rows));
  for (TokenId& id : ids) id = static_cast<TokenId>(rng() % static_cast<uint32_t>(hp.n_vocab));

  const Timing text = time_runs(o.n_repeat, [&] { s.reset(); }, [&] { s.prefill_tokens(ids); });
  std::printf("prefill, text:  %d rows in %.2f ms: %.0f rows/s (runs %.2f-%.2f ms)\n", o.n_rows,
              text.median * 1e3, o.n_rows / text.median, text.min * 1e3, text.max * 1e3);
  if (model->projector() != nullptr) {
    std::vector<float> audio(static_cast<size_t>(o.n_rows) * kFrameSamples);
    std::normal_distribution<float> noise(0.0f, 0.1f);
    for (float& x : audio) x = noise(rng);
    const Timing a = time_runs(o.n_repeat, [&] { s.reset(); }, [&] { s.prefill_audio(audio); });
    std::printf("prefill, audio: %d frames in %.2f ms: %.0f frames/s = %.0fx real time (runs %.2f-%.2f ms)\n",
                o.n_rows, a.median * 1e3, o.n_rows / a.median, o.n_rows * 0.04 / a.median, a.min * 1e3,
                a.max * 1e3);
  }
  const Timing d = time_runs(
      o.n_repeat, [&] { s.reset(); s.prefill_tokens(ids); },
      [&] {
        for (int i = 0; i < o.n_steps; ++i) {
          TokenId t = 0;
          s.decode_next(&t);
        }
      });
  const double ms = d.median * 1e3 / o.n_steps;
  std::printf("decode: %.3f ms/token after %d rows (%.0f tokens/s; weights read at %.1f GB/s; runs %.3f-%.3f)\n", ms,
              o.n_rows, 1e3 / ms, static_cast<double>(model->weight_bytes()) / (ms * 1e-3) / 1e9,
              d.min * 1e3 / o.n_steps, d.max * 1e3 / o.n_steps);
}

// --- 3. one 12B layer ----------------------------------------------------------------------

constexpr int k12bEmbd = 3840, k12bFf = 15360, k12bHeads = 16, k12bWindow = 1024;
constexpr int k12bSliding = 40, k12bFull = 8;
constexpr int kBenchVocab = 256;  // logits are not what is measured here

// Random payload bytes with small, finite block scales.
std::vector<uint8_t> synthetic(GgmlType type, int64_t n_rows, int64_t n_cols, std::mt19937_64& rng) {
  std::vector<uint8_t> bytes(row_bytes(type, n_cols) * static_cast<size_t>(n_rows));
  for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
    const uint64_t v = rng();
    std::memcpy(&bytes[i], &v, 8);
  }
  const size_t block = type_traits(type).type_size;
  const uint16_t scale = fp32_to_fp16(1e-3f);
  for (size_t at = 0; at < bytes.size(); at += block) {
    if (type == GgmlType::kQ8_0) std::memcpy(&bytes[at], &scale, 2);
    if (type == GgmlType::kQ4_K) {
      std::memcpy(&bytes[at], &scale, 2);
      std::memcpy(&bytes[at + 2], &scale, 2);
    }
    if (type == GgmlType::kQ6_K) std::memcpy(&bytes[at + offsetof(BlockQ6_K, d)], &scale, 2);
  }
  return bytes;
}

struct OneLayer {
  TextHparams hp;
  DecoderWeights w;
  std::vector<std::vector<uint8_t>> storage;
  std::vector<float> ones, rope_freqs, embd;
  double n_params = 0;   // matrix parameters
  double n_bytes = 0;    // matrix bytes

  OneLayer(bool sliding, GgmlType type) {
    std::mt19937_64 rng(7);
    hp.n_layer = 1;
    hp.n_embd = k12bEmbd;
    hp.n_ff = k12bFf;
    hp.n_head = k12bHeads;
    hp.n_vocab = kBenchVocab;
    hp.window = k12bWindow;
    hp.final_logit_softcap = 30.0f;
    LayerShape s;
    s.sliding = sliding;
    s.n_kv_head = sliding ? 8 : 1;
    s.head_dim = sliding ? 256 : 512;
    s.n_rot = s.head_dim;
    s.rope_base = sliding ? 1e4f : 1e6f;
    s.use_rope_freqs = !sliding;
    hp.layers = {s};
    ones.assign(static_cast<size_t>(std::max(k12bEmbd, s.head_dim)), 1.0f);
    rope_freqs.assign(static_cast<size_t>(s.head_dim / 2), 1e30f);
    std::fill(rope_freqs.begin(), rope_freqs.begin() + s.head_dim / 8, 1.0f);
    embd.assign(static_cast<size_t>(kBenchVocab) * k12bEmbd, 0.01f);
    w.token_embd = WeightMatrix{GgmlType::kF32, embd.data(), kBenchVocab, k12bEmbd, k12bEmbd * sizeof(float)};
    w.output_norm = ones.data();
    w.rope_freqs = rope_freqs.data();
    const auto matrix = [&](int64_t n_out, int64_t n_in) {
      storage.push_back(synthetic(type, n_out, n_in, rng));
      n_params += static_cast<double>(n_out) * n_in;
      n_bytes += static_cast<double>(storage.back().size());
      return WeightMatrix{type, storage.back().data(), n_out, n_in, row_bytes(type, n_in)};
    };
    const int64_t n_q = int64_t{k12bHeads} * s.head_dim, n_kv = int64_t{s.n_kv_head} * s.head_dim;
    LayerWeights l;
    l.attn_norm = l.post_attention_norm = l.ffn_norm = l.post_ffw_norm = ones.data();
    l.attn_q_norm = l.attn_k_norm = ones.data();
    l.attn_q = matrix(n_q, k12bEmbd);
    l.attn_k = matrix(n_kv, k12bEmbd);
    if (sliding) l.attn_v = matrix(n_kv, k12bEmbd);
    l.attn_output = matrix(k12bEmbd, n_q);
    l.ffn_gate = matrix(k12bFf, k12bEmbd);
    l.ffn_up = matrix(k12bFf, k12bEmbd);
    l.ffn_down = matrix(k12bEmbd, k12bFf);
    w.layers = {l};
  }
};

struct LayerTimes {
  double prefill_s = 0;  // n_rows rows
  double decode_s = 0;   // one token after n_rows of context
  double n_params = 0, n_bytes = 0;
};

LayerTimes bench_layer(bool sliding, GgmlType type, const Options& o, ThreadPool& pool) {
  OneLayer layer(sliding, type);
  const KvCacheParams cp{o.n_rows + o.n_steps + 8, o.n_rows, o.n_steps + 8};
  Decoder dec(layer.hp, layer.w, pool, o.n_rows, 1, std::max(cp.n_ctx, sliding_ring_size(layer.hp, cp)), 0);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> input(static_cast<size_t>(o.n_rows) * k12bEmbd);
  for (float& x : input) x = normal(rng);
  KvCache cache(layer.hp, cp);
  const auto run = [&](int32_t first_pos, int32_t n) {
    KvPlan plan;
    if (cache.cells().prepare(first_pos, n, &plan) != KvStatus::kOk) return;
    cache.apply(plan);
    std::memcpy(dec.activations().x.data(), input.data(), static_cast<size_t>(n) * k12bEmbd * sizeof(float));
    dec.forward(cache, plan, 1);
  };
  LayerTimes t;
  t.n_params = layer.n_params;
  t.n_bytes = layer.n_bytes;
  t.prefill_s = time_runs(o.n_repeat, [&] { cache.rollback(0); }, [&] { run(0, o.n_rows); }).median;
  t.decode_s = time_runs(
                   o.n_repeat, [&] { cache.rollback(o.n_rows); },
                   [&] {
                     for (int i = 0; i < o.n_steps; ++i) run(o.n_rows + i, 1);
                   })
                   .median /
               o.n_steps;
  return t;
}

struct SgemmCeiling {
  double blas_threads_gflops = 0;  // one cblas_sgemm call on OpenBLAS's own threads
  double pool_gflops = 0;          // the engine's way: Matmul's shares on the pool, OpenBLAS single-threaded
};

// F32 matrix products on the sliding layer's shapes, both ways side by side: the
// prefill ceiling, and what handing the threads from OpenBLAS to the pool costs
// or saves on this machine as it is loaded now.
SgemmCeiling sgemm_gflops(const Options& o, ThreadPool& pool) {
  struct Shape {
    int n_out, n_in;
  };
  const Shape shapes[] = {{4096, k12bEmbd}, {2048, k12bEmbd}, {2048, k12bEmbd}, {k12bEmbd, 4096},
                          {k12bFf, k12bEmbd}, {k12bFf, k12bEmbd}, {k12bEmbd, k12bFf}};
  const int n_rows = o.n_rows;
  double flops = 0, blas_s = 0, pool_s = 0;
  std::vector<float> x(static_cast<size_t>(n_rows) * k12bFf, 0.01f), y(static_cast<size_t>(n_rows) * k12bFf);
  Matmul matmul(pool, k12bFf);
  for (const Shape& s : shapes) {
    std::vector<float> w(static_cast<size_t>(s.n_out) * s.n_in, 0.001f);
    const WeightMatrix wm{GgmlType::kF32, w.data(), s.n_out, s.n_in, s.n_in * sizeof(float)};
    set_blas_threads(o.n_threads);
    blas_s += time_runs(o.n_repeat, [] {}, [&] {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_rows, s.n_out, s.n_in, 1.0f, x.data(), s.n_in,
                            w.data(), s.n_in, 0.0f, y.data(), s.n_out);
              }).median;
    set_blas_threads(1);
    pool_s += time_runs(o.n_repeat, [] {}, [&] { matmul.run_sgemm(wm, x.data(), n_rows, y.data()); }).median;
    flops += 2.0 * n_rows * s.n_out * s.n_in;
  }
  return {flops / blas_s / 1e9, flops / pool_s / 1e9};
}

void bench_12b(const Options& o, ThreadPool& pool, double bandwidth_gbps) {
  std::printf("\n== Gemma 4 12B layers (synthetic weights), %d-row prefill, decode after %d rows\n", o.n_rows,
              o.n_rows);
  const SgemmCeiling ceiling = sgemm_gflops(o, pool);
  const double peak = ceiling.pool_gflops;
  std::printf("F32 sgemm on the sliding layer's shapes, %d threads: OpenBLAS threads %.0f GFLOP/s, pool shares %.0f "
              "GFLOP/s (pool / OpenBLAS = %.2f)\n",
              o.n_threads, ceiling.blas_threads_gflops, ceiling.pool_gflops,
              ceiling.pool_gflops / ceiling.blas_threads_gflops);
  for (const GgmlType type : {GgmlType::kQ4_K, GgmlType::kQ8_0}) {
    const LayerTimes s = bench_layer(true, type, o, pool);
    const LayerTimes f = bench_layer(false, type, o, pool);
    const std::string name(type_name(type));
    const double prefill = k12bSliding * s.prefill_s + k12bFull * f.prefill_s;
    const double decode = k12bSliding * s.decode_s + k12bFull * f.decode_s;
    const double flops = 2.0 * o.n_rows * (k12bSliding * s.n_params + k12bFull * f.n_params);
    const double bytes = k12bSliding * s.n_bytes + k12bFull * f.n_bytes;
    std::printf("%s: layer weights %.0f MB sliding, %.0f MB full; 48 layers %.2f GB\n", name.c_str(), s.n_bytes / 1e6,
                f.n_bytes / 1e6, bytes / 1e9);
    std::printf("%s prefill: sliding %.1f ms, full %.1f ms per layer -> 48 layers %.2f s for %d rows = %.1f rows/s; "
                "%.0f GFLOP/s (%.0f%% of pool sgemm alone)\n",
                name.c_str(), s.prefill_s * 1e3, f.prefill_s * 1e3, prefill, o.n_rows, o.n_rows / prefill,
                flops / prefill / 1e9, 100.0 * flops / prefill / 1e9 / peak);
    std::printf("%s decode: sliding %.2f ms, full %.2f ms per layer -> 48 layers %.0f ms/token = %.1f tokens/s; "
                "weights at %.1f GB/s (%.0f%% of the measured %.1f GB/s)\n",
                name.c_str(), s.decode_s * 1e3, f.decode_s * 1e3, decode * 1e3, 1.0 / decode, bytes / decode / 1e9,
                100.0 * bytes / decode / 1e9 / bandwidth_gbps, bandwidth_gbps);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_engine: prefill and decode speed of the inference engine"};
  Options o;
  app.add_option("--model", o.model, "GGUF model (default: models/earshot-default.gguf in the source tree)");
  app.add_option("--mmproj", o.mmproj, "Audio projector GGUF for a split model");
  app.add_option("--threads", o.n_threads, "Pool threads (OpenBLAS gets them only for the side-by-side sgemm figure)")->check(CLI::Range(1, 256));
  app.add_option("--rows", o.n_rows, "Rows per prefill")->check(CLI::Range(1, 4096));
  app.add_option("--steps", o.n_steps, "Decode steps timed")->check(CLI::Range(1, 4096));
  app.add_option("--repeat", o.n_repeat, "Runs per timing (the median is printed)")->check(CLI::Range(1, 100));
  app.add_flag("--skip-12b", o.skip_12b, "Skip the 12B layer figures");
  app.add_flag("--skip-model", o.skip_model, "Skip the GGUF model figures");
  CLI11_PARSE(app, argc, argv);
  if (o.model.empty()) o.model = std::string(EARSHOT_SOURCE_DIR) + "/models/earshot-default.gguf";

  set_blas_threads(1);  // as a Session runs it: the pool owns the threads
  ThreadPool pool(o.n_threads);
  std::printf("blas: %s\n", describe(blas_info()).c_str());
  std::printf("cpu: avx2=%d fma=%d f16c=%d avx512f=%d; kernels: %s; threads %d\n", __builtin_cpu_supports("avx2") != 0,
              __builtin_cpu_supports("fma") != 0, __builtin_cpu_supports("f16c") != 0,
              __builtin_cpu_supports("avx512f") != 0, kernels::simd_enabled() ? "AVX2" : "scalar", o.n_threads);
  const double bandwidth = memory_read_gbps(pool, o.n_repeat);
  std::printf("memory read bandwidth: %.1f GB/s (%d threads)\n", bandwidth, o.n_threads);
  try {
    if (!o.skip_model) bench_model(o);
    if (!o.skip_12b) bench_12b(o, pool, bandwidth);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_engine: %s\n", e.what());
    return 1;
  }
  return 0;
}
