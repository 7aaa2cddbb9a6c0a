// Back-pressure over real ipc:// sockets: a subscriber that never reads must
// neither slow the publisher nor cost another subscriber a single message.
//
// How much a healthy subscriber may fall behind without loss: ZeroMQ's PUB
// socket drops for a subscriber once it believes that subscriber holds
// send_high_water_mark unread messages, and its belief lags. The subscriber's
// side returns credit only every high-water-mark / 2 messages it reads, and the
// sending socket takes in returned credit at most about once per millisecond
// while it keeps sending. So a subscriber that has read everything can still
// count as half the high-water mark (plus a millisecond of reading) behind.
// The healthy subscriber here acknowledges bursts of a tenth of the mark, well
// clear of that. (Bursts of 100 against a mark of 200 were not: on a loaded
// machine the PUB saw the healthy subscriber full and dropped for it.)
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ipc/publisher.h"
#include "ipc/subscriber.h"
#include "tests/ipc/bus_test_support.h"

namespace earshot::ipc {
namespace {

using namespace std::chrono_literals;
using testing::make_event;
using testing::TempDir;
using testing::warm_up;

constexpr int kHighWaterMark = 1000;  // the default of publishers and subscribers
constexpr uint64_t kBurst = kHighWaterMark / 10;
constexpr uint64_t kMessages = 10000;
constexpr auto kBurstTimeout = 5s;  // only a wedged machine takes this long for one burst

// Reads the healthy subscriber on its own thread and checks that messages come
// numbered 1, 2, 3, ... with none missing. Built and waited on by the test thread.
class CheckingReader {
 public:
  CheckingReader(Subscriber& subscriber, uint64_t n_expected)
      : subscriber_(subscriber), n_expected_(n_expected), thread_([this] { run(); }) {}

  ~CheckingReader() {
    stopping_.store(true);
    thread_.join();
  }

  // True once `n` messages have come in order; false at once when one is
  // missing, or after `timeout`. failure() then says what went wrong.
  bool wait_for(uint64_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return n_received_ >= n || !failure_.empty(); });
    if (n_received_ >= n) return true;
    if (failure_.empty()) {
      failure_ = "message " + std::to_string(n_received_ + 1) + " never came within " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
    }
    return false;
  }

  std::string failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  void run() {
    uint64_t next = 1;
    while (next <= n_expected_ && !stopping_.load()) {
      const std::optional<BusMessage> message = subscriber_.receive(50ms);
      if (!message || testing::is_warm_up(*message)) continue;
      const uint64_t sequence = parse_event(message->payload).sequence;
      std::lock_guard lock(mutex_);
      if (sequence != next) {
        failure_ = "the healthy subscriber lost messages " + std::to_string(next) + " to " +
                   std::to_string(sequence - 1) + " (ZeroMQ dropped them: it counted the subscriber as full)";
        changed_.notify_all();
        return;
      }
      n_received_ = next++;
      if (n_received_ % kBurst == 0 || n_received_ == n_expected_) changed_.notify_all();
    }
  }

  Subscriber& subscriber_;
  const uint64_t n_expected_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t n_received_ = 0;  // guarded by mutex_
  std::string failure_;      // guarded by mutex_
  std::thread thread_;       // last: starts once the members above exist
};

struct RunResult {
  double seconds_per_message = 0;
  std::string failure{};  // "" when the healthy subscriber got every message in order
};

// Publishes kMessages in bursts of kBurst; each burst waits until `healthy` has
// read the one before. The time per message covers publishing and delivery.
RunResult publish_in_acknowledged_bursts(Publisher& publisher, Subscriber& healthy) {
  CheckingReader reader(healthy, kMessages);
  const std::string text(1000, 'w');
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t sequence = 1; sequence <= kMessages; ++sequence) {
    while (publisher.publish(make_event(EventKind::kPartial, "mic", sequence, text)) != PublishResult::kQueued) {
      std::this_thread::yield();
    }
    if (sequence % kBurst == 0 && !reader.wait_for(sequence, kBurstTimeout)) return {0, reader.failure()};
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {seconds / static_cast<double>(kMessages), ""};
}

TEST(Publisher, AStuckSubscriberDoesNotSlowThePublisherOrStarveAnother) {
  TempDir dir;
  constexpr int kRepeats = 3;  // the fastest of each: other load on the machine only adds time

  Publisher alone_publisher({.endpoint = dir.ipc_endpoint("alone"), .send_high_water_mark = kHighWaterMark});
  Subscriber alone_healthy({.endpoint = alone_publisher.endpoint(), .receive_high_water_mark = kHighWaterMark});
  ASSERT_TRUE(warm_up(alone_publisher, {&alone_healthy}));

  Publisher publisher({.endpoint = dir.ipc_endpoint("shared"), .send_high_water_mark = kHighWaterMark});
  Subscriber healthy({.endpoint = publisher.endpoint(), .receive_high_water_mark = kHighWaterMark});
  Subscriber stuck({.endpoint = publisher.endpoint(), .receive_high_water_mark = kHighWaterMark});
  ASSERT_TRUE(warm_up(publisher, {&healthy, &stuck}));

  double best_alone = 1e9;
  double best_shared = 1e9;
  for (int repeat = 0; repeat < kRepeats; ++repeat) {
    const RunResult alone = publish_in_acknowledged_bursts(alone_publisher, alone_healthy);
    ASSERT_EQ(alone.failure, "") << "alone, run " << repeat;
    const RunResult shared = publish_in_acknowledged_bursts(publisher, healthy);
    ASSERT_EQ(shared.failure, "") << "beside the stuck subscriber, run " << repeat;
    best_alone = std::min(best_alone, alone.seconds_per_message);
    best_shared = std::min(best_shared, shared.seconds_per_message);
  }
  std::printf("publisher time per message (best of %d): %.1f us alone, %.1f us beside a stuck subscriber\n",
              kRepeats, best_alone * 1e6, best_shared * 1e6);
  EXPECT_LT(best_shared, 4.0 * best_alone + 20e-6);
  EXPECT_EQ(publisher.stats().n_send_failed, 0u);
  EXPECT_EQ(publisher.stats().n_dropped_queue_full, 0u);

  // The stuck subscriber kept what fit in its buffers and lost the rest.
  uint64_t n_stuck = 0;
  while (std::optional<BusMessage> message = stuck.receive(200ms)) {
    if (!testing::is_warm_up(*message)) ++n_stuck;
  }
  std::printf("the stuck subscriber received %llu of %llu\n", static_cast<unsigned long long>(n_stuck),
              static_cast<unsigned long long>(kRepeats * kMessages));
  EXPECT_LT(n_stuck, kMessages);
}

}  // namespace
}  // namespace earshot::ipc
