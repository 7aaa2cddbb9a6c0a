#include "ipc/event_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace earshot::ipc {
namespace {

const std::string kLongText = "a text long enough to live on the heap, not in the small-string buffer";

TranscriptEvent numbered(const std::string& source, uint64_t sequence) {
  TranscriptEvent event;
  event.source = source;
  event.sequence = sequence;
  event.stable_text = kLongText;
  return event;
}

TEST(EventQueue, HandsEventsOverInOrderAndSaysWhenItWasEmpty) {
  EventQueue queue(4);
  EXPECT_EQ(queue.push(numbered("mic", 1)), EventQueue::PushResult::kQueuedWasEmpty);
  EXPECT_EQ(queue.push(numbered("mic", 2)), EventQueue::PushResult::kQueued);
  std::vector<TranscriptEvent> out;
  EXPECT_EQ(queue.take_all(out), 2u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sequence, 1u);
  EXPECT_EQ(out[1].sequence, 2u);
  EXPECT_EQ(out[1].stable_text, kLongText);
  EXPECT_EQ(queue.push(numbered("mic", 3)), EventQueue::PushResult::kQueuedWasEmpty);
}

TEST(EventQueue, RefusesWhenFullAndLeavesTheEventUntouched) {
  EventQueue queue(2);
  queue.push(numbered("mic", 1));
  queue.push(numbered("mic", 2));
  TranscriptEvent third = numbered("mic", 3);
  EXPECT_EQ(queue.push(std::move(third)), EventQueue::PushResult::kFull);
  EXPECT_EQ(third.sequence, 3u);
  EXPECT_FALSE(third.stable_text.empty());
}

TEST(EventQueue, WrapsAroundATinyRing) {
  EventQueue queue(3);
  std::vector<TranscriptEvent> out;
  uint64_t next = 1;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 2; ++i) queue.push(numbered("mic", next++));
    queue.take_all(out);
  }
  ASSERT_EQ(out.size(), 20u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].sequence, i + 1);
}

TEST(EventQueue, ManyProducersOneConsumerLoseNothingUnlessFull) {
  EventQueue queue(64);
  constexpr uint64_t kPerProducer = 20000;
  std::atomic<uint64_t> n_full{0};
  auto produce = [&](const std::string& source) {
    for (uint64_t i = 1; i <= kPerProducer; ++i) {
      while (queue.push(numbered(source, i)) == EventQueue::PushResult::kFull) {
        n_full.fetch_add(1);
        std::this_thread::yield();
      }
    }
  };
  std::thread a(produce, "a");
  std::thread b(produce, "b");
  std::vector<TranscriptEvent> out;
  uint64_t last_a = 0, last_b = 0;
  while (last_a < kPerProducer || last_b < kPerProducer) {
    out.clear();
    queue.take_all(out);
    for (const TranscriptEvent& event : out) {
      uint64_t& last = event.source == "a" ? last_a : last_b;
      ASSERT_EQ(event.sequence, last + 1);  // per producer, in order, no loss
      last = event.sequence;
    }
  }
  a.join();
  b.join();
}

}  // namespace
}  // namespace earshot::ipc
