// The real earshotd under a service manager that stops reading its notify
// socket (the test's listener stops receiving, so its datagram queue fills):
// the main loop must go on, publishing status events and answering the
// control socket; STATUS= is dropped meanwhile and logged once; RELOADING=1,
// READY=1 and STOPPING=1 wait and arrive once the manager reads again. Also:
// an abstract NOTIFY_SOCKET ("@name"). Same tiny test model and file of
// silence as notify_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "daemon_test_env.h"
#include "ipc/control_client.h"
#include "ipc/subscriber.h"
#include "ipc/transcript_event.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using testing::count_of;
using testing::test_model;
using testing::unix_now_s;

using namespace std::chrono_literals;
using testing::DaemonTestEnv;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;
// STATUS= every 0.1 s fills a queue of 10 (net.unix.max_dgram_qlen's default) in a second.
constexpr auto kQueueFills = 3s;

class NotifyStallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
  }

  std::unique_ptr<testing::DaemonProcess> start(DaemonTestEnv& env) {
    const std::string silence = env.dir().file("silence.wav");
    testing::write_silence_wav(silence, 120.0, 8000);
    auto daemon = env.start({"--set", "model=" + test_model(), "--set", "status_interval_s=0.1",
                             "--set", "status_event_interval_s=0.2", "--set",
                             "source.quiet.kind=file", "--set", "source.quiet.path=" + silence});
    EXPECT_TRUE(env.notify().wait_for("READY=1", kStartTimeout)) << "no READY=1; log:\n"
                                                                 << daemon->log();
    return daemon;
  }
};

TEST_F(NotifyStallTest, TheMainLoopGoesOnWhileTheManagerDoesNotRead) {
  DaemonTestEnv env;
  auto daemon = start(env);
  ipc::Subscriber bus({.endpoint = env.bus_endpoint(), .topic_prefixes = {"status/"}});
  ipc::ControlClient control({.endpoint = env.control_endpoint(), .timeout = 2000ms});

  // The manager stops reading; the daemon's STATUS= lines fill its queue.
  std::this_thread::sleep_for(kQueueFills);

  // Status events keep coming, at their rate, and the control socket answers.
  // Only events made from now on count: the subscriber's queue still holds
  // those of the seconds before.
  const double window_start_s = unix_now_s();
  uint64_t last_sequence = 0;
  int n_events = 0;
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    if (auto m = bus.receive(500ms)) {
      const ipc::TranscriptEvent e = ipc::parse_event(m->payload);
      EXPECT_GT(e.sequence, last_sequence);
      last_sequence = e.sequence;
      if (e.status && e.status->wall_time_s >= window_start_s) ++n_events;
    }
  }
  EXPECT_GE(n_events, 8)
      << "status events every 0.2 s for 3 s (15), made while the manager did not read; log:\n"
      << daemon->log();
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(control.status().sources.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);

  // A reload while the manager does not read: the daemon reloads now ...
  daemon->signal(SIGHUP);
  std::this_thread::sleep_for(1s);
  EXPECT_NE(daemon->log().find("reloaded"), std::string::npos) << daemon->log();
  EXPECT_EQ(count_of(daemon->log(), "takes nothing"), 1u)
      << "the drops were not logged exactly once:\n"
      << daemon->log();

  // ... and its RELOADING=1 and READY=1 arrive, in order, once the manager reads.
  std::vector<std::string> before;
  const auto ready = env.notify().wait_for("READY=1", kEventTimeout, &before);
  ASSERT_TRUE(ready.has_value()) << "READY=1 after the reload was lost; log:\n" << daemon->log();
  bool reloading_first = false;
  for (const auto& d : before) reloading_first |= testing::has_line(d, "RELOADING=1");
  EXPECT_TRUE(reloading_first) << "RELOADING=1 did not come before READY=1";
  EXPECT_TRUE(env.notify().wait_for("STATUS=", kEventTimeout)) << "STATUS= did not resume";
  daemon->signal(SIGTERM);
  EXPECT_TRUE(env.notify().wait_for("STOPPING=1", kEventTimeout)) << daemon->log();
  EXPECT_EQ(daemon->wait_exit(kEventTimeout), std::optional<int>(0)) << daemon->log();
  EXPECT_NE(daemon->log().find("takes messages again"), std::string::npos) << daemon->log();
}

TEST_F(NotifyStallTest, StoppingWaitsForAManagerThatReadsLate) {
  DaemonTestEnv env;
  auto daemon = start(env);
  std::this_thread::sleep_for(kQueueFills);
  daemon->signal(SIGTERM);
  std::this_thread::sleep_for(1s);  // the daemon has stopped its sessions by now
  EXPECT_TRUE(env.notify().wait_for("STOPPING=1", kEventTimeout)) << "STOPPING=1 was lost; log:\n"
                                                                  << daemon->log();
  EXPECT_EQ(daemon->wait_exit(kEventTimeout), std::optional<int>(0)) << daemon->log();
}

TEST_F(NotifyStallTest, AnAbstractNotifySocketIsReached) {
  DaemonTestEnv env("@earshot-test-" + std::to_string(getpid()) + "-notify");
  auto daemon = start(env);
  daemon->signal(SIGTERM);
  EXPECT_TRUE(env.notify().wait_for("STOPPING=1", kEventTimeout)) << daemon->log();
  EXPECT_EQ(daemon->wait_exit(kEventTimeout), std::optional<int>(0)) << daemon->log();
}

}  // namespace
}  // namespace earshot::daemon
