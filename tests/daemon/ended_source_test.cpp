// A source whose session has ended (here: a file source at the end of its
// stream), against the real earshotd: control commands for it are refused,
// saying it stopped and that a reload starts it again, and a reload (SIGHUP)
// with an unchanged configuration does start it again.
#include <gtest/gtest.h>
#include <signal.h>

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
using testing::test_model;
using testing::value_of;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;
constexpr std::string_view kEndOfStream = "source 'short': end of stream";

size_t count_of(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class EndedSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(test_model()))
        << test_model() << " is missing: it is made by the ctest fixture daemon_test_model";
    const std::string audio = env_.dir().file("short.wav");
    testing::write_silence_wav(audio, 1.0, 16000);
    config_ = env_.dir().write("earshotd.toml", "model = \"" + test_model() +
                                                    "\"\nthreads = 1\n[[source]]\nlabel = \"short\"\n"
                                                    "kind = \"file\"\npath = \"" + audio + "\"\n");
  }

  // Waits until the daemon's log says the stream ended `n` times.
  bool wait_for_end_of_stream(testing::DaemonProcess& daemon, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (count_of(daemon.log(), kEndOfStream) >= n) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  testing::DaemonTestEnv env_;
  std::string config_;
  ipc::ControlClient control_{{.endpoint = env_.control_endpoint(), .timeout = 5000ms}};
};

TEST_F(EndedSourceTest, CommandsAreRefusedAndAReloadStartsTheSourceAgain) {
  auto daemon = env_.start({"--config", config_});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();
  ASSERT_TRUE(wait_for_end_of_stream(*daemon, 1)) << daemon->log();
  std::this_thread::sleep_for(200ms);  // the session thread returns right after the log line

  const auto sources = control_.list_sources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].state, ipc::SourceState::kStopped);
  try {
    control_.pause("short");
    FAIL() << "pausing a source that has stopped succeeded";
  } catch (const ipc::ControlError& e) {
    const std::string why = e.what();
    EXPECT_NE(why.find("source 'short' has stopped"), std::string::npos) << why;
    EXPECT_NE(why.find("reload"), std::string::npos) << why;
  }
  EXPECT_THROW(control_.set({.source = "short", .language = std::string("de")}), ipc::ControlError);

  // The same file again: the source runs (and ends) a second time.
  const std::string ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  EXPECT_TRUE(wait_for_end_of_stream(*daemon, 2)) << "the reload did not start the source again; log:\n"
                                                   << daemon->log();

  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}

}  // namespace
}  // namespace earshot::daemon
