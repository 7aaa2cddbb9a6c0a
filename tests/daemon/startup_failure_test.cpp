// earshotd's start-up failures, on the real binary: each exits non-zero with
// one line saying what failed and where, sends the same line to the service
// manager as STATUS=, and never says READY=1.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <chrono>
#include <fstream>

#include "daemon_test_env.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;
using testing::DaemonTestEnv;

constexpr auto kExitTimeout = 60s;

class StartupFailureTest : public ::testing::Test {
 protected:
  // Runs earshotd to its exit; returns the exit status and keeps the log and
  // the STATUS= it sent.
  int run_to_exit(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    auto daemon = env_.start(std::move(args), env);
    const auto code = daemon->wait_exit(kExitTimeout);
    EXPECT_TRUE(code.has_value()) << "earshotd did not exit; log:\n" << daemon->log();
    log_ = daemon->log();
    while (auto datagram = env_.notify().receive(0ms)) {
      EXPECT_FALSE(testing::has_line(*datagram, "READY=1")) << "READY=1 from a daemon that failed to start";
      if (testing::has_line(*datagram, "STATUS=")) status_ = testing::value_of(*datagram, "STATUS=");
    }
    return code.value_or(-1);
  }

  // A file source of silence, so no sound server is needed.
  std::vector<std::string> file_source_args() {
    const std::string wav = env_.dir().file("silence.wav");
    testing::write_silence_wav(wav, 1.0);
    return {"--set", "source.quiet.kind=file", "--set", "source.quiet.path=" + wav};
  }

  void expect_reported(const std::string& text) {
    EXPECT_NE(log_.find(text), std::string::npos) << "log:\n" << log_;
    EXPECT_NE(status_.find(text), std::string::npos) << "STATUS=" << status_;
  }

  DaemonTestEnv env_;
  std::string log_;
  std::string status_;
};

TEST_F(StartupFailureTest, BadConfigurationNamesTheFileAndKeyAndIsNotRestarted) {
  const std::string config = env_.dir().write("bad.toml", "[[source]]\nlabel = \"mic\"\npause_ms = \"long\"\n");
  EXPECT_EQ(run_to_exit({"--config", config}), 78);  // EX_CONFIG: the unit does not restart it
  expect_reported("bad configuration: " + config + ":3:");
  expect_reported("key 'pause_ms'");
}

TEST_F(StartupFailureTest, AMissingModelNamesThePath) {
  const std::string model = env_.dir().file("nowhere.gguf");
  auto args = file_source_args();
  args.insert(args.end(), {"--set", "model=" + model});
  EXPECT_EQ(run_to_exit(args), 1);
  expect_reported("model " + model + ": no such file");
}

TEST_F(StartupFailureTest, ACorruptModelNamesTheFileAndTheProblem) {
  const std::string model = env_.dir().file("corrupt.gguf");
  {
    std::ofstream out(model, std::ios::binary);
    out << "GGUF";
    const char junk[64] = {3, 0, 0, 0, 127, 127, 127, 127, 127, 127, 127, 127};
    out.write(junk, sizeof junk);
  }
  auto args = file_source_args();
  args.insert(args.end(), {"--set", "model=" + model});
  EXPECT_EQ(run_to_exit(args), 1);
  expect_reported("cannot load the model");
  expect_reported(model);
}

TEST_F(StartupFailureTest, AWordModelItCannotReadNamesTheSettingAndTheFile) {
  const std::string lm = env_.dir().write("words.arpa", "not a language model\n");
  auto args = file_source_args();
  args.insert(args.end(), {"--set", "word_lm=" + lm});
  EXPECT_EQ(run_to_exit(args), 1);
  expect_reported("cannot load the word model (word_lm)");
  expect_reported(lm);
}

TEST_F(StartupFailureTest, ABusPortInUseNamesTheEndpoint) {
  // Hold a TCP port on the loopback interface.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  auto args = file_source_args();
  args.insert(args.end(), {"--set", "bus=" + endpoint});
  EXPECT_EQ(run_to_exit(args), 1);
  expect_reported("bus");
  expect_reported("cannot bind " + endpoint);
  close(fd);
}

TEST_F(StartupFailureTest, ABusSocketHeldByAnotherDaemonIsNotTakenOver) {
  // What a running earshotd holds: the lock beside its bus socket.
  const std::string dir = env_.runtime_dir() + "/earshot";
  std::filesystem::create_directories(dir);
  chmod(dir.c_str(), 0700);
  const int fd = open((dir + "/bus.lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);

  EXPECT_EQ(run_to_exit(file_source_args()), 1);
  expect_reported(env_.bus_endpoint() + " is in use by another earshotd");
  close(fd);
}

TEST_F(StartupFailureTest, NoSoundServerSaysWhichSourceAndServer) {
  // The default source records from the sound server; PULSE_SERVER names a socket that is not there.
  EXPECT_EQ(run_to_exit({}), 1);
  expect_reported("source 'mic': no sound server");
  expect_reported(env_.dir().file("no-pulse-here"));
}

}  // namespace
}  // namespace earshot::daemon
