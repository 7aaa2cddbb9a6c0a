#include "model/parallel.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace earshot::model {
namespace {

// About 50-100 microseconds of polling before a thread sleeps on the futex.
constexpr int kSpinIterations = 4000;
constexpr int64_t kChunksPerThread = 4;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Waits until `value` differs from `old`, spinning first. Returns the new value.
template <typename T>
T wait_for_change(const std::atomic<T>& value, T old) {
  for (int i = 0; i < kSpinIterations; ++i) {
    const T now = value.load(std::memory_order_acquire);
    if (now != old) return now;
    cpu_relax();
  }
  T now;
  while ((now = value.load(std::memory_order_acquire)) == old) value.wait(old, std::memory_order_acquire);
  return now;
}

constexpr uint64_t pack_ticket(uint32_t job, uint32_t n_chunks, uint32_t next) {
  return (static_cast<uint64_t>(job) << 32) | (static_cast<uint64_t>(n_chunks) << 16) | next;
}
constexpr uint32_t ticket_chunks(uint64_t ticket) { return static_cast<uint32_t>(ticket >> 16) & 0xffffu; }
constexpr uint32_t ticket_next(uint64_t ticket) { return static_cast<uint32_t>(ticket) & 0xffffu; }
constexpr uint32_t ticket_job(uint64_t ticket) { return static_cast<uint32_t>(ticket >> 32); }

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads) {
  if (n_threads < 1) throw std::invalid_argument("ThreadPool: n_threads must be >= 1, got " + std::to_string(n_threads));
  workers_.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this] { worker_main(); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(int64_t n, int64_t min_per_thread, RangeFn fn, void* ctx) {
  if (n <= 0) return;
  const int64_t per = std::max<int64_t>(min_per_thread, 1);
  const int64_t n_chunks = std::min({(n + per - 1) / per, n_threads_ * kChunksPerThread, int64_t{0xffff}});
  if (n_chunks <= 1 || workers_.empty()) {
    fn(ctx, 0, n);
    return;
  }
  job_ = Job{fn, ctx, n};
  n_done_.store(0, std::memory_order_relaxed);
  const uint32_t job = ticket_job(ticket_.load(std::memory_order_relaxed)) + 1;
  ticket_.store(pack_ticket(job, static_cast<uint32_t>(n_chunks), 0), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();

  run_chunks();
  uint32_t done;
  while ((done = n_done_.load(std::memory_order_acquire)) != n_chunks) wait_for_change(n_done_, done);

  if (error_) {
    std::exception_ptr error = std::exchange(error_, nullptr);
    std::rethrow_exception(error);
  }
}

void ThreadPool::run_chunks() noexcept {
  uint64_t ticket = ticket_.load(std::memory_order_acquire);
  while (ticket_next(ticket) < ticket_chunks(ticket)) {
    if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      continue;  // `ticket` now holds the current value
    }
    // The claim pins the job: the caller waits for this chunk before it
    // writes another job.
    const uint32_t chunk = ticket_next(ticket), n_chunks = ticket_chunks(ticket);
    const Job& job = job_;
    const int64_t begin = job.n * chunk / n_chunks;
    const int64_t end = job.n * (chunk + 1) / n_chunks;
    try {
      job.fn(job.ctx, begin, end);
    } catch (...) {
      const std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
    if (n_done_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_chunks) n_done_.notify_one();
    ticket = ticket_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_main() {
  uint32_t seen = 0;
  while (true) {
    seen = wait_for_change(generation_, seen);
    if (stopping_.load(std::memory_order_relaxed)) return;
    run_chunks();
  }
}

}  // namespace earshot::model
