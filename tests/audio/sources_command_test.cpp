// `earshot sources` against a real PulseAudio server started by the test, and
// with no server at all.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <string>

#include "child_process.h"
#include "pulse_server.h"

namespace earshot::audio {
namespace {

using namespace std::chrono_literals;
using testing::PulseServer;

TEST(EarshotSources, PrintsTheRunningServersSources) {
  PulseServer server;
  const testing::RunResult r = testing::run({EARSHOT_BINARY_DIR "/cli/earshot", "sources"}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("vsink.monitor"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("44100"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("monitor"), std::string::npos) << r.output;
}

TEST(EarshotSources, SaysClearlyWhenNoServerIsReachable) {
  setenv("PULSE_SERVER", "unix:/nonexistent/pulse/native", 1);
  const testing::RunResult r = testing::run({EARSHOT_BINARY_DIR "/cli/earshot", "sources"}, 20s);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cannot reach a PulseAudio server"), std::string::npos) << r.output;
}

TEST(EarshotSources, AlsoListsAlsaCaptureDevicesWhenAsked) {
  PulseServer server;
  const testing::RunResult r =
      testing::run({EARSHOT_BINARY_DIR "/cli/earshot", "sources", "--alsa"}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ALSA capture devices"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\npulse "), std::string::npos) << r.output;
}

}  // namespace
}  // namespace earshot::audio
