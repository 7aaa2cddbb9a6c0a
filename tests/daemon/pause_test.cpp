// `pause` over the control socket keeps a source's audio from the model and
// `resume` gives it back, against the real earshotd. The source is a file of
// noise bursts (a segment opens on each), so the tiny random test model
// publishes text while it listens; what it says is never checked, only
// whether it says anything.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "talking_daemon_test.h"
#include "ipc/control_client.h"
#include "ipc/subscriber.h"
#include "ipc/transcript_event.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kEventTimeout = 60s;

bool is_text(const ipc::TranscriptEvent& e) {
  return e.kind == ipc::EventKind::kPartial || e.kind == ipc::EventKind::kFinal;
}

class PauseTest : public testing::TalkingDaemonTest {
 protected:
  // The next partial or final of `talk` within timeout.
  std::optional<ipc::TranscriptEvent> next_text(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      env_.notify().drain();
      if (auto m = bus_.receive(200ms)) {
        ipc::TranscriptEvent e = ipc::parse_event(m->payload);
        if (is_text(e)) return e;
      }
    }
    return std::nullopt;
  }

  ipc::SourceStatus talk_status() {
    const auto sources = control_.list_sources();
    return sources.empty() ? ipc::SourceStatus{} : sources.at(0);
  }

  ipc::Subscriber bus_{
      {.endpoint = env_.bus_endpoint(), .topic_prefixes = {"partial/talk", "final/talk"}}};
  ipc::ControlClient control_{{.endpoint = env_.control_endpoint(), .timeout = 5000ms}};
};

TEST_F(PauseTest, PausedAudioNeverReachesTheModelAndResumeBringsItBack) {
  const auto first = next_text(kEventTimeout);
  ASSERT_TRUE(first.has_value()) << "the model said nothing while it listened; log:\n"
                                 << daemon_->log();

  control_.pause("talk");
  EXPECT_EQ(talk_status().state, ipc::SourceState::kPaused);
  // Pausing finishes the open segment: its final may still come, then nothing.
  uint64_t last_segment = first->segment_id;
  const auto settle_until = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < settle_until) {
    if (auto e = next_text(200ms)) last_segment = e->segment_id;
  }
  const double dropped_before = talk_status().dropped_audio_s;
  const auto silent = next_text(6s);
  EXPECT_FALSE(silent.has_value()) << "text from paused audio: segment " << silent->segment_id
                                   << " after " << last_segment << "; log:\n"
                                   << daemon_->log();
  // The paused source's audio is taken and let go: no backlog builds up, and
  // none of it counts as dropped for want of decoding time.
  const ipc::SourceStatus paused = talk_status();
  EXPECT_EQ(paused.state, ipc::SourceState::kPaused);
  EXPECT_LT(paused.lag_s, 1.0);
  EXPECT_EQ(paused.dropped_audio_s, dropped_before);
  EXPECT_NE(daemon_->log().find("source 'talk': paused"), std::string::npos) << daemon_->log();

  control_.resume("talk");
  EXPECT_EQ(talk_status().state, ipc::SourceState::kRunning);
  const auto resumed = next_text(kEventTimeout);
  ASSERT_TRUE(resumed.has_value()) << "no text after resume; log:\n" << daemon_->log();
  EXPECT_GT(resumed->segment_id, last_segment) << "a new segment, on audio after the pause";
}

}  // namespace
}  // namespace earshot::daemon
