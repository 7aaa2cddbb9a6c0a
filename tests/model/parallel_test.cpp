// ThreadPool::parallel_for: every index exactly once, contiguous static
// shares, exceptions carried to the caller, and many back-to-back jobs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "model/parallel.h"

namespace earshot::model {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int n_threads : {1, 2, 3, 5}) {
    ThreadPool pool(n_threads);
    EXPECT_EQ(pool.n_threads(), n_threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "threads=" << n_threads << " n=" << n;
    }
  }
}

TEST(ThreadPool, SplitsIntoContiguousChunksOverThreads) {
  ThreadPool pool(3);
  std::mutex mutex;
  std::set<std::pair<int64_t, int64_t>> ranges;
  std::set<std::thread::id> threads;
  for (int attempt = 0; attempt < 200 && threads.size() < 2; ++attempt) {
    ranges.clear();
    pool.parallel_for(1200, [&](int64_t begin, int64_t end) {
      {
        const std::lock_guard lock(mutex);
        ranges.emplace(begin, end);
        threads.insert(std::this_thread::get_id());
      }
      // Long enough that a worker wakes before the caller has claimed everything.
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    });
    // 3 threads x 4 chunks of 100, in order, covering everything.
    ASSERT_EQ(ranges.size(), 12u);
    int64_t expected_begin = 0;
    for (const auto& [begin, end] : ranges) {
      ASSERT_EQ(begin, expected_begin);
      ASSERT_EQ(end - begin, 100);
      expected_begin = end;
    }
  }
  // Workers take part (unless the machine never schedules them in 200 jobs).
  EXPECT_GE(threads.size(), 2u);
}

TEST(ThreadPool, MinimumShareLimitsTheSplit) {
  ThreadPool pool(4);
  std::atomic<int> calls{0};
  pool.parallel_for(20, [&](int64_t, int64_t) { calls.fetch_add(1); }, 16);
  EXPECT_EQ(calls.load(), 2);
  calls = 0;
  pool.parallel_for(10, [&](int64_t begin, int64_t end) {
    calls.fetch_add(1);
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 10);
  }, 16);
  EXPECT_EQ(calls.load(), 1);
}

TEST(ThreadPool, RethrowsTheFirstExceptionAfterAllSharesFinish) {
  ThreadPool pool(3);
  std::atomic<int> finished{0};
  EXPECT_THROW(pool.parallel_for(3,
                                 [&](int64_t begin, int64_t) {
                                   if (begin == 2) throw std::runtime_error("share 2 failed");
                                   finished.fetch_add(1);
                                 }),
               std::runtime_error);
  EXPECT_EQ(finished.load(), 2);
  // The pool stays usable.
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) sum.fetch_add(i);
  });
  EXPECT_EQ(sum.load(), 4950);
}

TEST(ThreadPool, ManyBackToBackJobs) {
  ThreadPool pool(2);
  std::vector<int64_t> totals(20000);
  for (size_t job = 0; job < totals.size(); ++job) {
    std::atomic<int64_t> sum{0};
    pool.parallel_for(64, [&](int64_t begin, int64_t end) {
      int64_t local = 0;
      for (int64_t i = begin; i < end; ++i) local += i + static_cast<int64_t>(job);
      sum.fetch_add(local);
    });
    totals[job] = sum.load();
  }
  for (size_t job = 0; job < totals.size(); ++job) {
    ASSERT_EQ(totals[job], 2016 + 64 * static_cast<int64_t>(job));
  }
}

TEST(ThreadPool, RejectsZeroThreads) {
  EXPECT_THROW(ThreadPool(0), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::model
