#include "model/parallel.h"

#include <stdexcept>
#include <string>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace earshot::model {
namespace {

// About 50 microseconds of polling before a thread sleeps on the futex.
constexpr int kSpinIterations = 4000;

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

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads) {
  if (n_threads < 1) throw std::invalid_argument("ThreadPool: n_threads must be >= 1, got " + std::to_string(n_threads));
  workers_.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this, i] { worker_main(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run(int64_t n, int64_t min_per_thread, RangeFn fn, void* ctx) {
  if (n <= 0) return;
  const int64_t per = min_per_thread < 1 ? 1 : min_per_thread;
  const int64_t max_shares = (n + per - 1) / per;
  const int n_shares = static_cast<int>(max_shares < n_threads_ ? max_shares : n_threads_);
  if (n_shares == 1) {
    fn(ctx, 0, n);
    return;
  }
  job_ = Job{fn, ctx, n, n_shares};
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();

  run_share(0);

  int left;
  while ((left = pending_.load(std::memory_order_acquire)) != 0) wait_for_change(pending_, left);

  if (error_) {
    std::exception_ptr error = std::exchange(error_, nullptr);
    std::rethrow_exception(error);
  }
}

void ThreadPool::run_share(int index) noexcept {
  const Job& job = job_;
  if (index >= job.n_shares) return;
  const int64_t begin = job.n * index / job.n_shares;
  const int64_t end = job.n * (index + 1) / job.n_shares;
  try {
    job.fn(job.ctx, begin, end);
  } catch (...) {
    const std::lock_guard lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
  }
}

void ThreadPool::worker_main(int index) {
  uint32_t seen = 0;
  while (true) {
    seen = wait_for_change(generation_, seen);
    if (stopping_.load(std::memory_order_relaxed)) return;
    run_share(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

}  // namespace earshot::model
