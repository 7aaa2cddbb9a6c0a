#include "ipc/history.h"

#include <gtest/gtest.h>

#include <thread>

namespace earshot::ipc {
namespace {

TranscriptEvent final_event(const std::string& source, uint64_t sequence) {
  TranscriptEvent event;
  event.kind = EventKind::kFinal;
  event.source = source;
  event.sequence = sequence;
  event.stable_text = source + " " + std::to_string(sequence);
  return event;
}

TEST(History, KeepsTheLastFinalsOfEachSourceOldestFirst) {
  History history({.n_finals_per_source = 3, .n_sources = 8});
  for (uint64_t i = 1; i <= 5; ++i) history.record(final_event("mic", i));
  history.record(final_event("system", 1));

  const std::vector<TranscriptEvent> mic = history.last("mic", 10);
  ASSERT_EQ(mic.size(), 3u);
  EXPECT_EQ(mic[0].sequence, 3u);
  EXPECT_EQ(mic[2].sequence, 5u);

  const std::vector<TranscriptEvent> last_two = history.last("mic", 2);
  ASSERT_EQ(last_two.size(), 2u);
  EXPECT_EQ(last_two[0].sequence, 4u);

  EXPECT_EQ(history.last("system", 10).size(), 1u);
  EXPECT_TRUE(history.last("nobody", 10).empty());
  EXPECT_EQ(history.sources(), (std::vector<std::string>{"mic", "system"}));
}

TEST(History, IgnoresEverythingButFinals) {
  History history;
  TranscriptEvent partial = final_event("mic", 1);
  partial.kind = EventKind::kPartial;
  history.record(partial);
  TranscriptEvent translation = final_event("mic", 2);
  translation.kind = EventKind::kTranslation;
  history.record(translation);
  EXPECT_TRUE(history.sources().empty());
}

TEST(History, ForgetsTheLeastRecentlyUpdatedSource) {
  History history({.n_finals_per_source = 2, .n_sources = 2});
  history.record(final_event("a", 1));
  history.record(final_event("b", 1));
  history.record(final_event("a", 2));  // a is now newer than b
  history.record(final_event("c", 1));  // evicts b
  EXPECT_EQ(history.sources(), (std::vector<std::string>{"a", "c"}));
}

TEST(History, ZeroLimitsKeepNothing) {
  History history({.n_finals_per_source = 0, .n_sources = 4});
  history.record(final_event("mic", 1));
  EXPECT_TRUE(history.last("mic", 5).empty());
}

TEST(History, RecordsAndReadsFromTwoThreads) {
  History history({.n_finals_per_source = 50, .n_sources = 4});
  std::thread writer([&] {
    for (uint64_t i = 1; i <= 20000; ++i) history.record(final_event("mic", i));
  });
  size_t n_reads = 0;
  while (n_reads < 2000) {
    const std::vector<TranscriptEvent> finals = history.last("mic", 50);
    for (size_t i = 1; i < finals.size(); ++i) ASSERT_EQ(finals[i].sequence, finals[i - 1].sequence + 1);
    ++n_reads;
  }
  writer.join();
  EXPECT_EQ(history.last("mic", 1).at(0).sequence, 20000u);
}

}  // namespace
}  // namespace earshot::ipc
