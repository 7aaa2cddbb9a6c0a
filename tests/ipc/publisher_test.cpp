// The publisher over real sockets: ipc:// in a temporary directory and
// tcp://127.0.0.1 on a port the system picks.
#include "ipc/publisher.h"

#include <gtest/gtest.h>

#include "ipc/history.h"
#include "ipc/runtime_endpoints.h"
#include "ipc/subscriber.h"
#include "tests/ipc/bus_test_support.h"

namespace earshot::ipc {
namespace {

using namespace std::chrono_literals;
using testing::make_event;
using testing::receive_non_warm_up;
using testing::TempDir;
using testing::wait_until;
using testing::warm_up;

// Kinds in a realistic order: partials revised, then the final, then its translation.
EventKind kind_of(uint64_t sequence) {
  switch (sequence % 4) {
    case 0: return EventKind::kFinal;
    case 1: return EventKind::kTranslation;
    default: return EventKind::kPartial;
  }
}

void expect_two_subscribers_get_everything_in_order(const std::string& endpoint) {
  Publisher publisher({.endpoint = endpoint});
  Subscriber first({.endpoint = publisher.endpoint()});
  Subscriber second({.endpoint = publisher.endpoint()});
  ASSERT_TRUE(warm_up(publisher, {&first, &second}));

  constexpr uint64_t kCount = 500;
  for (uint64_t sequence = 1; sequence <= kCount; ++sequence) {
    ASSERT_EQ(publisher.publish(make_event(kind_of(sequence), "mic", sequence, "word " + std::to_string(sequence))),
              PublishResult::kQueued);
  }
  for (Subscriber* subscriber : {&first, &second}) {
    for (uint64_t sequence = 1; sequence <= kCount; ++sequence) {
      const std::optional<BusMessage> message = receive_non_warm_up(*subscriber);
      ASSERT_TRUE(message.has_value()) << "message " << sequence << " never came";
      const TranscriptEvent event = parse_event(message->payload);
      ASSERT_EQ(event.sequence, sequence);
      EXPECT_EQ(event.kind, kind_of(sequence));
      EXPECT_EQ(event.stable_text, "word " + std::to_string(sequence));
      EXPECT_EQ(message->topic, topic_of(event));
    }
  }
  EXPECT_EQ(publisher.stats().n_dropped_queue_full, 0u);
  EXPECT_EQ(publisher.stats().n_send_failed, 0u);
}

TEST(Publisher, TwoSubscribersGetEveryEventInOrderOverIpc) {
  TempDir dir;
  expect_two_subscribers_get_everything_in_order(dir.ipc_endpoint("bus"));
}

TEST(Publisher, TwoSubscribersGetEveryEventInOrderOverTcp) {
  expect_two_subscribers_get_everything_in_order("tcp://127.0.0.1:*");
}

TEST(Publisher, BindsTheDefaultEndpointInAPrivateDirectory) {
  TempDir runtime;
  const BusEndpoints endpoints = default_bus_endpoints(runtime.path());
  Publisher publisher({.endpoint = endpoints.bus});
  Subscriber subscriber({.endpoint = endpoints.bus});
  ASSERT_TRUE(warm_up(publisher, {&subscriber}));
  EXPECT_TRUE(std::filesystem::exists(runtime.path() / "earshot" / "bus"));
}

TEST(Publisher, TopicPrefixesSelectKindsAndSources) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  Subscriber finals({.endpoint = publisher.endpoint(), .topic_prefixes = {"final/", "partial/warmup"}});
  ASSERT_TRUE(warm_up(publisher, {&finals}));
  publisher.publish(make_event(EventKind::kPartial, "mic", 1, "no"));
  publisher.publish(make_event(EventKind::kFinal, "mic", 2, "yes"));
  publisher.publish(make_event(EventKind::kTranslation, "mic", 3, "no"));
  publisher.publish(make_event(EventKind::kFinal, "system", 1, "yes too"));
  EXPECT_EQ(parse_event(receive_non_warm_up(finals)->payload).stable_text, "yes");
  EXPECT_EQ(parse_event(receive_non_warm_up(finals)->payload).stable_text, "yes too");
  EXPECT_FALSE(receive_non_warm_up(finals, 200ms).has_value());
}

TEST(Publisher, CountsSubscribers) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  EXPECT_EQ(publisher.stats().n_subscribers, 0);
  auto first = std::make_unique<Subscriber>(SubscriberOptions{.endpoint = publisher.endpoint()});
  Subscriber second({.endpoint = publisher.endpoint()});
  EXPECT_TRUE(wait_until([&] { return publisher.stats().n_subscribers == 2; }));
  first.reset();
  EXPECT_TRUE(wait_until([&] { return publisher.stats().n_subscribers == 1; }));
}

TEST(Publisher, RejectsEventsWithoutAValidTopic) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  EXPECT_EQ(publisher.publish(make_event(EventKind::kFinal, "bad/label", 1, "x")), PublishResult::kRejected);
  TranscriptEvent translation = make_event(EventKind::kTranslation, "mic", 1, "x");
  translation.target_language = "";
  EXPECT_EQ(publisher.publish(std::move(translation)), PublishResult::kRejected);
  EXPECT_EQ(publisher.stats().n_rejected, 2u);
}

TEST(Publisher, AFullQueueDropsAndCountsInsteadOfWaiting) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus"), .queue_capacity = 4});
  constexpr uint64_t kCount = 20000;
  uint64_t n_full = 0;
  for (uint64_t sequence = 1; sequence <= kCount; ++sequence) {
    if (publisher.publish(make_event(EventKind::kPartial, "mic", sequence, "x")) == PublishResult::kQueueFull) {
      ++n_full;
    }
  }
  ASSERT_TRUE(wait_until([&] {
    const PublisherStats stats = publisher.stats();
    return stats.n_published + stats.n_dropped_queue_full == kCount;
  }));
  EXPECT_EQ(publisher.stats().n_dropped_queue_full, n_full);
}

TEST(Publisher, RecordsFinalsInTheHistory) {
  TempDir dir;
  History history;
  {
    Publisher publisher({.endpoint = dir.ipc_endpoint("bus"), .history = &history});
    publisher.publish(make_event(EventKind::kPartial, "mic", 1, "hel"));
    publisher.publish(make_event(EventKind::kFinal, "mic", 2, "hello"));
  }  // the destructor sends what is queued
  const std::vector<TranscriptEvent> finals = history.last("mic", 10);
  ASSERT_EQ(finals.size(), 1u);
  EXPECT_EQ(finals[0].stable_text, "hello");
}

TEST(Publisher, StartUpErrorsNameTheEndpoint) {
  TempDir dir;
  Publisher first({.endpoint = "tcp://127.0.0.1:*"});
  try {
    Publisher second({.endpoint = first.endpoint()});
    FAIL() << "a second bind on the same port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot bind " + first.endpoint()), std::string::npos) << e.what();
  }
  EXPECT_THROW(Publisher({.endpoint = "ipc://" + (dir.path() / "missing" / "bus").string()}), std::runtime_error);
}

}  // namespace
}  // namespace earshot::ipc
