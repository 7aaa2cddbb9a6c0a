// The notifier against a real datagram socket that the test reads, or stops
// reading: sends never block, STATUS= and WATCHDOG=1 are dropped while the
// manager's queue is full, READY=1 and STOPPING=1 wait and go out in order
// once it reads again, and abstract "@name" addresses work.
#include "daemon/notifier.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "daemon/notify_socket.h"
#include "notify_listener.h"
#include "scratch_dir.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;
using testing::NotifyListener;

// Far more than any queue holds (net.unix.max_dgram_qlen is 10 to 512).
constexpr int kManyMessages = 5000;

std::string abstract_name(const char* what) {
  return "@earshot-test-" + std::to_string(getpid()) + "-" + what;
}

TEST(NotifySocketTest, ReachesAPathAndAnAbstractAddress) {
  testing::ScratchDir dir;
  for (const std::string& address : {dir.file("notify"), abstract_name("socket")}) {
    NotifyListener listener(address);
    NotifySocket socket(address);
    EXPECT_EQ(socket.send("READY=1"), NotifySocket::Result::kSent) << address;
    EXPECT_EQ(listener.receive(1000ms), std::optional<std::string>("READY=1")) << address;
  }
}

TEST(NotifySocketTest, RefusesAddressesItDoesNotSpeak) {
  EXPECT_THROW(NotifySocket("vsock:2:1234"), std::invalid_argument);
  EXPECT_THROW(NotifySocket("relative/path"), std::invalid_argument);
  EXPECT_THROW(NotifySocket("/" + std::string(200, 'x')), std::invalid_argument);
}

TEST(NotifySocketTest, NoListenerIsAFailureNotAFullQueue) {
  testing::ScratchDir dir;
  NotifySocket socket(dir.file("nobody"));
  EXPECT_EQ(socket.send("READY=1"), NotifySocket::Result::kFailed);
  EXPECT_NE(socket.error(), 0);
  EXPECT_EQ(NotifySocket().send("READY=1"), NotifySocket::Result::kOff);
}

TEST(NotifierTest, AFullQueueDropsStatusButKeepsReadyAndStoppingInOrder) {
  testing::ScratchDir dir;
  NotifyListener listener(dir.file("notify"));
  Notifier notify{NotifySocket(listener.path())};

  // The manager reads nothing: status lines go until the queue is full, then
  // are dropped, and no call waits for the reader.
  const auto start = std::chrono::steady_clock::now();
  int n_sent = 0;
  for (; n_sent < kManyMessages && notify.n_dropped() == 0; ++n_sent)
    notify.status("line " + std::to_string(n_sent));
  ASSERT_GT(notify.n_dropped(), 0u) << "the queue never filled";
  notify.ready();
  notify.watchdog();
  notify.status("dropped too");
  notify.stopping();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "a call blocked";
  EXPECT_TRUE(notify.has_pending());
  EXPECT_EQ(notify.n_dropped(), 3u)
      << "the first line that did not fit, the ping and the status after it";

  // The manager reads again: the lines that fitted, then READY=1 and STOPPING=1.
  int n_status = 0;
  while (auto d = listener.receive(0ms)) {
    ASSERT_TRUE(d->starts_with("STATUS=line ")) << *d;
    ++n_status;
  }
  EXPECT_EQ(n_status, n_sent - 1);
  EXPECT_TRUE(notify.flush(1000ms));
  EXPECT_FALSE(notify.has_pending());
  EXPECT_EQ(listener.receive(1000ms), std::optional<std::string>("READY=1"));
  EXPECT_EQ(listener.receive(1000ms), std::optional<std::string>("STOPPING=1"));
  notify.status("after");
  EXPECT_EQ(listener.receive(1000ms), std::optional<std::string>("STATUS=after"));
}

TEST(NotifierTest, FlushGivesUpAfterItsPatience) {
  testing::ScratchDir dir;
  NotifyListener listener(abstract_name("flush"));
  Notifier notify{NotifySocket(listener.path())};
  for (int i = 0; i < kManyMessages && notify.n_dropped() == 0; ++i) notify.status("filler");
  notify.stopping();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(notify.flush(200ms));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 2s);
  EXPECT_TRUE(notify.has_pending()) << "STOPPING=1 was given up silently";
}

TEST(NotifierTest, NoListenerDoesNotKeepMessagesForever) {
  testing::ScratchDir dir;
  Notifier notify{NotifySocket(dir.file("nobody"))};
  notify.ready();
  EXPECT_FALSE(notify.has_pending());
}

}  // namespace
}  // namespace earshot::daemon
