// A small persistent thread pool that splits a range of rows over threads.
//
//   ThreadPool pool(2);                        // the caller + 1 worker
//   pool.parallel_for(n_rows, [&](int64_t begin, int64_t end) {
//     for (int64_t r = begin; r < end; ++r) y[r] = dot(row(r), x);
//   });
//
// The range is cut into a few contiguous chunks per thread (never smaller than
// min_per_thread items, where n allows); the caller and the workers claim
// chunks one at a time, so the caller never waits for a worker that has not
// started: on a busy machine a worker that wakes late finds the work done, and
// the call costs what one thread costs instead of a scheduler time slice.
// Which thread runs a chunk varies; what each chunk computes does not.
//
// Workers spin briefly after each job (the matvecs of one decode step follow
// each other within microseconds) and then sleep on a futex.
//
// fn must not call parallel_for of the same pool. If fn throws, the first
// exception is rethrown in the caller after every claimed chunk finished.
//
// Thread contract: parallel_for is called from one thread at a time (the
// thread that owns the model state); the pool itself is not shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace earshot::model {

class ThreadPool {
 public:
  // n_threads >= 1 counts the caller; throws std::invalid_argument otherwise.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }

  // Calls fn(begin, end) on disjoint contiguous ranges covering [0, n);
  // returns when all have finished.
  template <typename Fn>
  void parallel_for(int64_t n, Fn&& fn, int64_t min_per_thread = 1) {
    using F = std::remove_reference_t<Fn>;
    run(n, min_per_thread,
        [](void* ctx, int64_t begin, int64_t end) { (*static_cast<F*>(ctx))(begin, end); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);

  struct Job {
    RangeFn fn = nullptr;
    void* ctx = nullptr;
    int64_t n = 0;
  };

  void run(int64_t n, int64_t min_per_thread, RangeFn fn, void* ctx);
  void worker_main();
  // Claims and runs chunks of the current job until none is left.
  void run_chunks() noexcept;

  const int n_threads_;
  std::vector<std::thread> workers_;
  Job job_;  // written by the caller before the ticket is published
  // The claim counter: job number (32 bits), chunk count (16), next chunk (16).
  std::atomic<uint64_t> ticket_{0};
  std::atomic<uint32_t> n_done_{0};      // chunks of the current job finished
  std::atomic<uint32_t> generation_{0};  // bumped to wake the workers
  std::atomic<bool> stopping_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace earshot::model
