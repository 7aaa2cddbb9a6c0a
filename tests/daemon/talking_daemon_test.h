// The fixture of the tests that need a daemon publishing text: earshotd on the
// tiny test model, one thread, with one file source "talk" playing three
// minutes of noise bursts (a segment, and so a final, for each burst), ready
// before the test starts and stopped with SIGTERM after it.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "daemon_test_env.h"
#include "wav_writer.h"

namespace earshot::daemon::testing {

class TalkingDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
    const std::string bursts = env_.dir().file("bursts.wav");
    write_noise_bursts_wav(bursts, 180.0);
    daemon_ = env_.start({"--set", "model=" + test_model(), "--set", "threads=1", "--set", "source.talk.kind=file",
                          "--set", "source.talk.path=" + bursts});
    ASSERT_TRUE(env_.notify().wait_for("READY=1", std::chrono::seconds(120))) << daemon_->log();
  }

  void TearDown() override {
    if (!daemon_) return;
    env_.notify().drain();
    daemon_->signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(std::chrono::seconds(30)), std::optional<int>(0)) << daemon_->log();
  }

  DaemonTestEnv env_;
  std::unique_ptr<DaemonProcess> daemon_;
};

}  // namespace earshot::daemon::testing
