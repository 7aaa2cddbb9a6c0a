// The service manager's protocol, spoken by the real earshotd to a
// NOTIFY_SOCKET this test made: READY=1 only once the bus and control socket
// answer, STATUS= kept current, WATCHDOG=1 only while sessions make
// progress, RELOADING=1 + MONOTONIC_USEC= then READY=1 on SIGHUP, STOPPING=1
// on SIGTERM. The model is a tiny random one made for the tests
// (make_test_model.py); the source is a file of silence, which never reaches
// the model, so nothing here depends on what the model would say.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>

#include "daemon_test_env.h"
#include "ipc/control_client.h"
#include "ipc/subscriber.h"
#include "ipc/transcript_event.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using testing::test_model;

using namespace std::chrono_literals;
using testing::DaemonTestEnv;
using testing::has_line;
using testing::value_of;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
    // Two minutes of silence at 8 kHz, played at real time: longer than any test here.
    silence_ = env_.dir().file("silence.wav");
    testing::write_silence_wav(silence_, 120.0, 8000);
  }

  std::vector<std::string> base_args() const {
    return {"--set", "model=" + test_model(),       "--set", "status_interval_s=0.2",
            "--set", "status_event_interval_s=0.2", "--set", "source.quiet.kind=file",
            "--set", "source.quiet.path=" + silence_};
  }

  std::unique_ptr<testing::DaemonProcess> start(std::vector<std::string> extra = {},
                                                const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = base_args();
    args.insert(args.end(), extra.begin(), extra.end());
    return env_.start(args, env);
  }

  // Waits for READY=1; fails the test (with the log) if it does not come.
  bool wait_ready(testing::DaemonProcess& daemon, std::vector<std::string>* before = nullptr) {
    const auto ready = env_.notify().wait_for("READY=1", kStartTimeout, before);
    EXPECT_TRUE(ready.has_value()) << "no READY=1; log:\n" << daemon.log();
    return ready.has_value();
  }

  void stop_and_expect_clean_exit(testing::DaemonProcess& daemon) {
    daemon.signal(SIGTERM);
    EXPECT_TRUE(env_.notify().wait_for("STOPPING=1", kEventTimeout)) << daemon.log();
    EXPECT_EQ(daemon.wait_exit(kEventTimeout), std::optional<int>(0)) << daemon.log();
  }

  DaemonTestEnv env_;
  std::string silence_;
};

TEST_F(NotifyTest, ReadyComesOnlyOnceTheBusAndControlSocketAnswer) {
  auto daemon = start();
  std::vector<std::string> before;
  ASSERT_TRUE(wait_ready(*daemon, &before));
  // Before READY=1 it said what it was doing.
  bool said_loading = false;
  for (const auto& d : before) said_loading |= value_of(d, "STATUS=").find("loading the model") != std::string::npos;
  EXPECT_TRUE(said_loading) << "no STATUS= about loading the model before READY=1";

  // Right after READY=1 the control socket answers ...
  ipc::ControlClient control({.endpoint = env_.control_endpoint(), .timeout = 5000ms});
  const ipc::DaemonStatus status = control.status();
  EXPECT_EQ(status.model, "earshot-test-random");
  ASSERT_EQ(status.sources.size(), 1u);
  EXPECT_EQ(status.sources[0].source, "quiet");

  // ... and the bus publishes (its status event, every 0.2 s here).
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"status/"}});
  std::optional<ipc::BusMessage> message;
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  while (!message && std::chrono::steady_clock::now() < deadline) message = bus.receive(500ms);
  ASSERT_TRUE(message.has_value()) << "no status event on the bus; log:\n" << daemon->log();
  const ipc::TranscriptEvent event = ipc::parse_event(message->payload);
  ASSERT_TRUE(event.status.has_value());
  EXPECT_EQ(event.status->model, "earshot-test-random");

  stop_and_expect_clean_exit(*daemon);
}

TEST_F(NotifyTest, StatusIsKeptCurrent) {
  auto daemon = start();
  ASSERT_TRUE(wait_ready(*daemon));
  auto status = env_.notify().wait_for("STATUS=", kEventTimeout);
  ASSERT_TRUE(status.has_value());
  const std::string line = value_of(*status, "STATUS=");
  EXPECT_NE(line.find("1 source: quiet running"), std::string::npos) << line;
  EXPECT_NE(line.find("RTF "), std::string::npos) << line;
  EXPECT_NE(line.find("dropped "), std::string::npos) << line;
  EXPECT_NE(line.find("0 subscribers"), std::string::npos) << line;

  // A subscriber connects: the next lines count it.
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint()});
  bool counted = false;
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  while (!counted && std::chrono::steady_clock::now() < deadline) {
    bus.receive(0ms);
    auto next = env_.notify().wait_for("STATUS=", 1000ms);
    counted = next && value_of(*next, "STATUS=").find("; 1 subscriber") != std::string::npos;
  }
  EXPECT_TRUE(counted) << "STATUS= never counted the subscriber; log:\n" << daemon->log();
  stop_and_expect_clean_exit(*daemon);
}

TEST_F(NotifyTest, WatchdogPingsStopWhenASessionStalls) {
  // A 1 s watchdog: pings every 0.5 s while sessions beat. After 2 s of audio
  // the test-only setting makes the session thread sleep as a stuck decode would.
  auto daemon = start({"--set", "source.quiet.test_stall_after_s=2"}, {{"WATCHDOG_USEC", "1000000"}});
  ASSERT_TRUE(wait_ready(*daemon));
  ASSERT_TRUE(env_.notify().wait_for("WATCHDOG=1", kEventTimeout)) << "no watchdog ping; log:\n" << daemon->log();

  // The daemon notices the stall and says so.
  std::optional<std::string> stalled;
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  while (!stalled && std::chrono::steady_clock::now() < deadline) {
    auto d = env_.notify().receive(1000ms);
    if (d && value_of(*d, "STATUS=").find("stalled: quiet") != std::string::npos) stalled = d;
  }
  ASSERT_TRUE(stalled.has_value()) << "STATUS= never reported the stall; log:\n" << daemon->log();

  // From then on: status lines, but no ping in three watchdog intervals.
  const auto quiet_until = std::chrono::steady_clock::now() + 3s;
  int n_status = 0;
  while (std::chrono::steady_clock::now() < quiet_until) {
    auto d = env_.notify().receive(200ms);
    if (!d) continue;
    EXPECT_FALSE(has_line(*d, "WATCHDOG=1")) << "a ping while the session is stalled";
    n_status += has_line(*d, "STATUS=");
  }
  EXPECT_GT(n_status, 0) << "the main loop itself stopped";
  EXPECT_NE(daemon->log().find("watchdog pings withheld"), std::string::npos) << daemon->log();

  // Stopping still works: the stalled session is woken and finished.
  stop_and_expect_clean_exit(*daemon);
}

TEST_F(NotifyTest, SighupReloadsWithoutDroppingSubscribers) {
  const std::string config = env_.dir().write("earshotd.toml", "[[source]]\nlabel = \"quiet\"\nlanguage = \"English\"\n");
  auto daemon = start({"--config", config});
  ASSERT_TRUE(wait_ready(*daemon));
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"status/"}});
  std::optional<ipc::BusMessage> first;
  for (int i = 0; i < 60 && !first; ++i) first = bus.receive(500ms);
  ASSERT_TRUE(first.has_value()) << daemon->log();

  env_.dir().write("earshotd.toml", "[[source]]\nlabel = \"quiet\"\nlanguage = \"German\"\n");
  daemon->signal(SIGHUP);
  const auto reloading = env_.notify().wait_for("RELOADING=1", kEventTimeout);
  ASSERT_TRUE(reloading.has_value()) << daemon->log();
  const std::string usec = value_of(*reloading, "MONOTONIC_USEC=");
  ASSERT_FALSE(usec.empty()) << "RELOADING=1 without MONOTONIC_USEC=";
  EXPECT_EQ(usec.find_first_not_of("0123456789"), std::string::npos) << usec;
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kEventTimeout)) << daemon->log();

  // The new setting is in force ...
  ipc::ControlClient control({.endpoint = env_.control_endpoint(), .timeout = 5000ms});
  const ipc::DaemonStatus status = control.status();
  ASSERT_EQ(status.sources.size(), 1u);
  EXPECT_EQ(status.sources[0].language, "de");
  // ... and the subscriber of before still hears the daemon.
  std::optional<ipc::BusMessage> after;
  for (int i = 0; i < 60 && !after; ++i) after = bus.receive(500ms);
  EXPECT_TRUE(after.has_value()) << "the subscriber was dropped by the reload";
  stop_and_expect_clean_exit(*daemon);
}

TEST_F(NotifyTest, AFailedReloadKeepsTheServiceRunning) {
  const std::string config = env_.dir().write("earshotd.toml", "threads = 1\n[[source]]\nlabel = \"quiet\"\n");
  auto daemon = start({"--config", config});
  ASSERT_TRUE(wait_ready(*daemon));
  env_.dir().write("earshotd.toml", "threads = \"all\"\n");
  daemon->signal(SIGHUP);
  const auto ready = env_.notify().wait_for("READY=1", kEventTimeout);
  ASSERT_TRUE(ready.has_value()) << daemon->log();
  EXPECT_NE(value_of(*ready, "STATUS=").find("reload failed"), std::string::npos) << *ready;
  EXPECT_NE(daemon->log().find("key 'threads'"), std::string::npos) << daemon->log();
  EXPECT_TRUE(daemon->running());
  stop_and_expect_clean_exit(*daemon);
}

}  // namespace
}  // namespace earshot::daemon
