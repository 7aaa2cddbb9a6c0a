// Sources whose session has ended, against the real earshotd: control
// commands for them are refused with the reason. A reload (SIGHUP) with an
// unchanged configuration starts a failed source again (the test-only
// test_fail_after_s makes its session stop on an error), and leaves a file
// source that reached the end of its stream alone.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "daemon_test_env.h"
#include "ipc/control_client.h"
#include "ipc/transcript_event.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;
using testing::count_of;
using testing::test_model;
using testing::value_of;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;

class EndedSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
  }

  // A file source of `seconds` of silence, plus `extra` settings lines.
  std::string write_config(double seconds, const std::string& extra = "") {
    const std::string audio = env_.dir().file("audio.wav");
    testing::write_silence_wav(audio, seconds, 16000);
    return env_.dir().write("earshotd.toml", "model = \"" + test_model() +
                                                 "\"\nthreads = 1\n[[source]]\nlabel = \"src\"\n"
                                                 "kind = \"file\"\npath = \"" + audio + "\"\n" + extra);
  }

  // The message of the refusal of `pause`, once pausing is refused; "" if it
  // never is within the timeout.
  std::string refusal_of_pause() {
    const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        control_.pause("src");
        control_.resume("src");
      } catch (const ipc::ControlError& e) {
        return e.what();
      }
      std::this_thread::sleep_for(100ms);
    }
    return "";
  }

  void stop(testing::DaemonProcess& daemon) {
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(30s), std::optional<int>(0)) << daemon.log();
  }

  testing::DaemonTestEnv env_;
  ipc::ControlClient control_{{.endpoint = env_.control_endpoint(), .timeout = 5000ms}};
};

TEST_F(EndedSourceTest, AFailedSourceRefusesCommandsAndAReloadStartsItAgain) {
  constexpr std::string_view kFailure = "source 'src': session stopped: test_fail_after_s reached";
  auto daemon = env_.start({"--config", write_config(60.0, "test_fail_after_s = 0.5\n")});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();

  const std::string why = refusal_of_pause();
  EXPECT_NE(why.find("source 'src' has failed (test_fail_after_s reached)"), std::string::npos) << why;
  EXPECT_NE(why.find("a reload (SIGHUP) starts it again"), std::string::npos) << why;
  try {
    control_.set({.source = "src", .language = std::string("de")});
    FAIL() << "changing a failed source's language succeeded";
  } catch (const ipc::ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("has failed"), std::string::npos) << e.what();
  }
  const auto sources = control_.list_sources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].state, ipc::SourceState::kFailed);
  EXPECT_EQ(count_of(daemon->log(), kFailure), 1u) << daemon->log();

  // The same file again: the source runs (and fails) a second time.
  const std::string ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  EXPECT_TRUE(env_.wait_for_log(*daemon, kFailure, kEventTimeout, 2))
      << "the reload did not start the source again; log:\n" << daemon->log();
  stop(*daemon);
}

TEST_F(EndedSourceTest, AFileAtItsEndRefusesCommandsAndAReloadLeavesItEnded) {
  constexpr std::string_view kEnd = "source 'src': end of stream";
  auto daemon = env_.start({"--config", write_config(1.0)});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();

  const std::string why = refusal_of_pause();
  EXPECT_NE(why.find("source 'src' has stopped: its stream ended"), std::string::npos) << why;
  EXPECT_EQ(control_.list_sources().at(0).state, ipc::SourceState::kStopped);

  // A reload does not read the file again (its finals would come twice).
  const std::string ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  std::this_thread::sleep_for(2s);  // the file's second end would be logged within this
  EXPECT_EQ(count_of(daemon->log(), kEnd), 1u) << daemon->log();
  stop(*daemon);
}

}  // namespace
}  // namespace earshot::daemon
