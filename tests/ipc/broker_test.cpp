// The broker: two publishers connect to its XSUB frontend, a subscriber to its
// XPUB backend, and the subscriber gets both streams.
#include "ipc/broker.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "ipc/publisher.h"
#include "ipc/subscriber.h"
#include "tests/ipc/bus_test_support.h"

namespace earshot::ipc {
namespace {

using namespace std::chrono_literals;
using testing::make_event;
using testing::TempDir;

TEST(Broker, FansInTwoPublishers) {
  TempDir dir;
  Broker broker({.frontend = dir.ipc_endpoint("in"), .backend = "tcp://127.0.0.1:*"});
  std::thread proxy([&] { broker.run(); });

  Publisher laptop({.endpoint = broker.frontend_endpoint(), .connect = true});
  Publisher desktop({.endpoint = broker.frontend_endpoint(), .connect = true});
  Subscriber subscriber({.endpoint = broker.backend_endpoint(), .topic_prefixes = {"final/", "partial/warmup"}});
  ASSERT_TRUE(testing::warm_up(laptop, {&subscriber}));
  ASSERT_TRUE(testing::warm_up(desktop, {&subscriber}));

  constexpr uint64_t kEach = 100;
  for (uint64_t sequence = 1; sequence <= kEach; ++sequence) {
    laptop.publish(make_event(EventKind::kFinal, "laptop-mic", sequence, "a"));
    desktop.publish(make_event(EventKind::kFinal, "desktop-mic", sequence, "b"));
    desktop.publish(make_event(EventKind::kPartial, "desktop-mic", sequence, "not subscribed"));
  }
  std::map<std::string, uint64_t> last_sequence;
  for (uint64_t i = 0; i < 2 * kEach; ++i) {
    const std::optional<BusMessage> message = testing::receive_non_warm_up(subscriber);
    ASSERT_TRUE(message.has_value()) << "after " << i << " messages";
    const TranscriptEvent event = parse_event(message->payload);
    ASSERT_EQ(event.kind, EventKind::kFinal);
    EXPECT_EQ(event.sequence, last_sequence[event.source] + 1);  // in order per publisher
    last_sequence[event.source] = event.sequence;
  }
  EXPECT_EQ(last_sequence["laptop-mic"], kEach);
  EXPECT_EQ(last_sequence["desktop-mic"], kEach);
  EXPECT_FALSE(testing::receive_non_warm_up(subscriber, 200ms).has_value());

  broker.stop();
  proxy.join();
}

TEST(Broker, StopsEvenBeforeItRuns) {
  TempDir dir;
  Broker broker({.frontend = dir.ipc_endpoint("in"), .backend = dir.ipc_endpoint("out")});
  broker.stop();
  broker.run();  // returns at once
  SUCCEED();
}

TEST(Broker, RefusesNetworkBindsWithoutCurve) {
  TempDir dir;
  EXPECT_THROW(Broker({.frontend = dir.ipc_endpoint("in"), .backend = "tcp://0.0.0.0:0"}), std::runtime_error);
}

}  // namespace
}  // namespace earshot::ipc
