// Bus publishing cost and throughput: a session thread publishes batches of
// 1000 partials (300 bytes of text each) through the Publisher's queue and
// socket, with 0, 1 or 10 subscribers reading over ipc:// in threads of their own.
//   seconds per batch   -> time per message ("Time" / 1000) and items_per_second
//   caller_ns           -> time spent inside publish() per message (the session thread's cost)
//   delivered           -> fraction of the messages that reached the subscribers
//                          (below 1 when readers fall behind the high-water mark and lose messages)
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "ipc/publisher.h"
#include "ipc/subscriber.h"
#include "ipc/transcript_event.h"

namespace {

using namespace earshot::ipc;
using Clock = std::chrono::steady_clock;

constexpr int kBatch = 1000;

TranscriptEvent typical_partial(uint64_t sequence) {
  TranscriptEvent event;
  event.kind = EventKind::kPartial;
  event.source = "mic";
  event.segment_id = sequence / 50;
  event.sequence = sequence;
  event.audio_start_s = 12.48;
  event.audio_end_s = 14.2;
  event.wall_start_s = 1760000012.48;
  event.wall_end_s = 1760000014.2;
  event.stable_text = std::string(280, 's');
  event.unstable_text = std::string(20, 'u');
  event.language = "en";
  event.lag_s = 0.3;
  return event;
}

class TempEndpoint {
 public:
  TempEndpoint() {
    std::string pattern = (std::filesystem::temp_directory_path() / "earshot-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~TempEndpoint() { std::filesystem::remove_all(dir_); }
  std::string endpoint() const { return "ipc://" + (dir_ / "bus").string(); }

 private:
  std::filesystem::path dir_;
};

// A subscriber in its own thread, reading as fast as it can.
class Reader {
 public:
  explicit Reader(const std::string& endpoint)
      : subscriber_({.endpoint = endpoint}), thread_([this] {
          while (!stop_.load()) {
            if (subscriber_.receive(std::chrono::milliseconds(20))) n_received_.fetch_add(1);
          }
        }) {}
  ~Reader() {
    stop_.store(true);
    thread_.join();
  }
  uint64_t n_received() const { return n_received_.load(); }

 private:
  Subscriber subscriber_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> n_received_{0};
  std::thread thread_;
};

void BM_SerializeEvent(benchmark::State& state) {
  const TranscriptEvent event = typical_partial(1);
  for (auto _ : state) benchmark::DoNotOptimize(serialize_event(event));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SerializeEvent);

void BM_PublishBatch(benchmark::State& state) {
  const int n_subscribers = static_cast<int>(state.range(0));
  TempEndpoint temp;
  Publisher publisher({.endpoint = temp.endpoint()});
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < n_subscribers; ++i) readers.push_back(std::make_unique<Reader>(publisher.endpoint()));
  while (publisher.stats().n_subscribers < n_subscribers) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the subscriptions arrive

  uint64_t sequence = 0;
  double caller_seconds = 0;
  for (auto _ : state) {
    const uint64_t n_before = publisher.stats().n_published;
    const auto start = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      TranscriptEvent event = typical_partial(++sequence);
      while (true) {
        TranscriptEvent attempt = event;  // copied outside the timed call
        const auto call_start = Clock::now();
        const PublishResult result = publisher.publish(std::move(attempt));
        caller_seconds += std::chrono::duration<double>(Clock::now() - call_start).count();
        if (result == PublishResult::kQueued) break;
        std::this_thread::yield();  // queue full: let the publisher thread catch up
      }
    }
    while (publisher.stats().n_published < n_before + kBatch) std::this_thread::yield();
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the readers finish
  uint64_t n_received = 0;
  for (const auto& reader : readers) n_received += reader->n_received();
  const double n_messages = static_cast<double>(state.iterations()) * kBatch;
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["caller_ns"] = caller_seconds / n_messages * 1e9;
  if (n_subscribers > 0) {
    // Warm-up messages do not exist here: everything received came from the batches.
    state.counters["delivered"] = static_cast<double>(n_received) / (n_messages * n_subscribers);
  }
}
BENCHMARK(BM_PublishBatch)->Arg(0)->Arg(1)->Arg(10)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
