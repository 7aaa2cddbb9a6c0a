// The control socket of the real earshotd: list_sources, pause, resume and
// set reach the source's session; unknown sources and bad settings get error
// replies. Same set-up as notify_test.cpp: the tiny random test model and a
// file of silence.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "daemon_test_env.h"
#include "ipc/control_client.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using testing::test_model;

using namespace std::chrono_literals;

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
    const std::string silence = env_.dir().file("silence.wav");
    testing::write_silence_wav(silence, 120.0, 8000);
    daemon_ = env_.start({"--set", "model=" + test_model(), "--set", "source.quiet.kind=file", "--set",
                          "source.quiet.path=" + silence});
    ASSERT_TRUE(env_.notify().wait_for("READY=1", 120s)) << daemon_->log();
  }

  void TearDown() override {
    if (!daemon_) return;
    daemon_->signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(30s), std::optional<int>(0)) << daemon_->log();
  }

  ipc::SourceStatus source_status() {
    const auto sources = control_.list_sources();
    EXPECT_EQ(sources.size(), 1u);
    return sources.empty() ? ipc::SourceStatus{} : sources[0];
  }

  testing::DaemonTestEnv env_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
  ipc::ControlClient control_{{.endpoint = env_.control_endpoint(), .timeout = 5000ms}};
};

TEST_F(ControlTest, PauseAndResumeReachTheSource) {
  EXPECT_EQ(source_status().state, ipc::SourceState::kRunning);
  control_.pause("quiet");
  EXPECT_EQ(source_status().state, ipc::SourceState::kPaused);
  control_.resume("quiet");
  EXPECT_EQ(source_status().state, ipc::SourceState::kRunning);
}

// Languages come as names or tags and are reported as tags.
TEST_F(ControlTest, SetChangesTaskAndLanguage) {
  control_.set({.source = "quiet", .language = std::string("German")});
  ipc::SourceStatus s = source_status();
  EXPECT_EQ(s.language, "de");
  EXPECT_EQ(s.task, ipc::Task::kTranscribe);
  control_.set({.source = "quiet", .task = ipc::Task::kTranslate, .target_language = std::string("en")});
  s = source_status();
  EXPECT_EQ(s.task, ipc::Task::kTranslate);
  EXPECT_EQ(s.target_language, "en");
  EXPECT_EQ(s.language, "de");
  EXPECT_TRUE(daemon_->running());
}

TEST_F(ControlTest, UnknownSourcesAndBadSettingsAreRefused) {
  try {
    control_.pause("nobody");
    FAIL() << "pausing an unknown source succeeded";
  } catch (const ipc::ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("no source 'nobody'"), std::string::npos) << e.what();
  }
  try {
    control_.set({.source = "quiet", .task = ipc::Task::kTranslate, .target_language = std::string("")});
    FAIL() << "translate without a target language was accepted";
  } catch (const ipc::ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("target language"), std::string::npos) << e.what();
  }
  try {
    control_.set({.source = "quiet", .task = ipc::Task::kTranslate, .target_language = std::string("Klingon")});
    FAIL() << "an unknown target language was accepted";
  } catch (const ipc::ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown language 'Klingon'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(source_status().task, ipc::Task::kTranscribe) << "a refused set changed the source";
}

}  // namespace
}  // namespace earshot::daemon
