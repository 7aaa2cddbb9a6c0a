// The bus's periodic status event from the real earshotd, read by a real
// ZeroMQ subscriber: it comes every status_event_interval_s, carries the
// model, the real-time factor and each source's state, lag and drops, and
// status_event_interval_s = 0 turns it off. Same tiny test model and file
// of silence as notify_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>

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
using testing::unix_now_s;

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;

class StatusEventTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
  }

  std::unique_ptr<testing::DaemonProcess> start(const std::string& interval) {
    const std::string silence = env_.dir().file("silence.wav");
    testing::write_silence_wav(silence, 120.0, 8000);
    auto daemon = env_.start({"--set", "model=" + test_model(), "--set",
                              "status_event_interval_s=" + interval, "--set",
                              "source.quiet.kind=file", "--set", "source.quiet.path=" + silence});
    EXPECT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << "no READY=1; log:\n"
                                                                  << daemon->log();
    return daemon;
  }

  // Status events received within `span`, reading the notify socket meanwhile.
  std::vector<ipc::TranscriptEvent> collect(ipc::Subscriber& bus, std::chrono::milliseconds span) {
    std::vector<ipc::TranscriptEvent> events;
    const auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
      env_.notify().drain();
      if (auto m = bus.receive(100ms)) events.push_back(ipc::parse_event(m->payload));
    }
    return events;
  }

  void stop(testing::DaemonProcess& daemon) {
    env_.notify().drain();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(kEventTimeout), std::optional<int>(0)) << daemon.log();
  }

  testing::DaemonTestEnv env_;
};

TEST_F(StatusEventTest, EventsComeAtTheConfiguredRateWithEachSourcesState) {
  auto daemon = start("0.5");
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"status/"}});
  std::optional<ipc::BusMessage> first;
  for (int i = 0; i < 60 && !first; ++i) {
    env_.notify().drain();
    first = bus.receive(500ms);
  }
  ASSERT_TRUE(first.has_value()) << "no status event; log:\n" << daemon->log();
  EXPECT_EQ(first->topic, "status/daemon");

  // 0.5 s apart: 8 in 4 s, give or take one at each end and a loaded machine.
  const std::vector<ipc::TranscriptEvent> events = collect(bus, 4000ms);
  EXPECT_GE(events.size(), 6u);
  EXPECT_LE(events.size(), 9u);
  ASSERT_GE(events.size(), 2u) << daemon->log();
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence, events[i - 1].sequence + 1) << "status events were lost";
    const double apart = events[i].status->wall_time_s - events[i - 1].status->wall_time_s;
    EXPECT_GT(apart, 0.3) << "event " << i;
    EXPECT_LT(apart, 1.5) << "event " << i;
  }
  for (const ipc::TranscriptEvent& e : events) {
    EXPECT_EQ(e.kind, ipc::EventKind::kStatus);
    EXPECT_EQ(e.source, "daemon");
    ASSERT_TRUE(e.status.has_value());
    const ipc::DaemonStatus& s = *e.status;
    EXPECT_EQ(s.model, "earshot-test-random") << "the loaded model";
    EXPECT_GE(s.real_time_factor, 0.0);
    EXPECT_GT(s.uptime_s, 0.0);
    EXPECT_NEAR(s.wall_time_s, unix_now_s(), 10.0);
    EXPECT_EQ(s.n_subscribers, 1);
    ASSERT_EQ(s.sources.size(), 1u);
    const ipc::SourceStatus& source = s.sources[0];
    EXPECT_EQ(source.source, "quiet");
    EXPECT_EQ(source.state, ipc::SourceState::kRunning);
    EXPECT_EQ(source.task, ipc::Task::kTranscribe);
    EXPECT_EQ(source.language, "en") << "the config's \"English\", as a tag";
    EXPECT_GE(source.lag_s, 0.0);
    EXPECT_LT(source.lag_s, 2.0) << "silence costs nothing to decode";
    EXPECT_EQ(source.dropped_audio_s, 0.0);
    EXPECT_EQ(source.error, "");
  }
  EXPECT_LT(events.front().status->uptime_s, events.back().status->uptime_s);

  // A paused source says so in the next events.
  ipc::ControlClient control({.endpoint = env_.control_endpoint(), .timeout = 5000ms});
  control.pause("quiet");
  const std::vector<ipc::TranscriptEvent> paused = collect(bus, 1500ms);
  ASSERT_FALSE(paused.empty());
  EXPECT_EQ(paused.back().status->sources.at(0).state, ipc::SourceState::kPaused);
  stop(*daemon);
}

TEST_F(StatusEventTest, ZeroTurnsTheEventOff) {
  auto daemon = start("0");
  ipc::Subscriber bus({.endpoint = env_.bus_endpoint(), .topic_prefixes = {"status/"}});
  EXPECT_TRUE(collect(bus, 3000ms).empty())
      << "a status event although status_event_interval_s = 0";
  // The control socket still answers `status`, and STATUS= still comes.
  ipc::ControlClient control({.endpoint = env_.control_endpoint(), .timeout = 5000ms});
  EXPECT_EQ(control.status().model, "earshot-test-random");
  EXPECT_TRUE(env_.notify().wait_for("STATUS=", kEventTimeout));
  stop(*daemon);
}

}  // namespace
}  // namespace earshot::daemon
