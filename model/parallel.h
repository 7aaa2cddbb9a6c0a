// A small persistent thread pool that splits a range of rows over threads.
//
//   ThreadPool pool(2);                        // the caller + 1 worker
//   pool.parallel_for(n_rows, [&](int64_t begin, int64_t end) {
//     for (int64_t r = begin; r < end; ++r) y[r] = dot(row(r), x);
//   });
//
// The calling thread takes the first share itself; workers spin briefly after
// each job (consecutive matvecs of one decode step reuse them without a
// syscall) and then sleep on a futex. Ranges are contiguous and static:
// thread i gets [n*i/k, n*(i+1)/k) of k = min(n_threads, ceil(n/min_per_thread))
// shares, so the same call always splits the same way.
//
// fn must not block on another parallel_for of the same pool. If fn throws,
// the first exception is rethrown in the caller after every share finished.
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

  // Calls fn(begin, end) on disjoint ranges covering [0, n); returns when all
  // have finished. Ranges hold at least min_per_thread items where n allows.
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
    int n_shares = 0;
  };

  void run(int64_t n, int64_t min_per_thread, RangeFn fn, void* ctx);
  void worker_main(int index);
  void run_share(int index) noexcept;

  const int n_threads_;
  std::vector<std::thread> workers_;
  Job job_;                                // written by the caller before a generation bump
  std::atomic<uint32_t> generation_{0};    // bumped once per job (and at shutdown)
  std::atomic<int> pending_{0};            // workers that have not finished the job
  std::atomic<bool> stopping_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace earshot::model
