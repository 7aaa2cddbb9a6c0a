// Reloading (SIGHUP) onto a bus endpoint that cannot be bound, against the real
// earshotd: the reload says so and the bus goes on where it was; once the
// endpoint is free, a reload with the same file binds it. The endpoint is held
// the way a second earshotd would hold it: by the lock beside its socket. When
// the old endpoint cannot be bound again either, the daemon runs on without a
// bus, says so, and the next reload binds it even if its settings are those of
// before.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "daemon_test_env.h"
#include "ipc/subscriber.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using namespace std::chrono_literals;
using testing::test_model;
using testing::value_of;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;

// Holds "<socket>.lock" as an earshotd bound to the endpoint would.
class HeldEndpoint {
 public:
  explicit HeldEndpoint(const std::string& socket_path)
      : fd_(open((socket_path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {}
  ~HeldEndpoint() { release(); }
  bool held() const { return fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) == 0; }
  void release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Whether a status event arrives on the endpoint within the timeout.
bool publishes_on(const std::string& endpoint) {
  ipc::Subscriber bus({.endpoint = endpoint, .topic_prefixes = {"status/"}});
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (bus.receive(500ms)) return true;
  }
  return false;
}

class BusReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
    silence_ = env_.dir().file("silence.wav");
    testing::write_silence_wav(silence_, 120.0, 8000);
  }

  std::string write_config(const std::string& bus) {
    return env_.dir().write("earshotd.toml", "model = \"" + test_model() + "\"\nthreads = 1\nbus = [\"" + bus +
                                                 "\"]\nstatus_event_interval_s = 0.2\n[[source]]\n"
                                                 "label = \"quiet\"\nkind = \"file\"\npath = \"" + silence_ + "\"\n");
  }


  testing::DaemonTestEnv env_;
  std::string silence_;
};

TEST_F(BusReloadTest, AnEndpointInUseKeepsTheOldBusAndALaterReloadBindsIt) {
  const std::string first = "ipc://" + env_.dir().file("first.sock");
  const std::string second_path = env_.dir().file("second.sock");
  const std::string second = "ipc://" + second_path;
  const std::string config = write_config(first);
  auto daemon = env_.start({"--config", config});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();
  ASSERT_TRUE(publishes_on(first)) << daemon->log();

  HeldEndpoint held(second_path);
  ASSERT_TRUE(held.held());
  write_config(second);
  env_.reload(*daemon);
  EXPECT_NE(daemon->log().find("keeping the previous settings of the bus"), std::string::npos) << daemon->log();
  EXPECT_TRUE(publishes_on(first)) << "the bus did not go on where it was; log:\n" << daemon->log();

  // The endpoint is free now: the same file, reloaded, moves the bus there.
  held.release();
  const std::string ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  EXPECT_TRUE(publishes_on(second)) << daemon->log();

  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), 0) << daemon->log();
}

TEST_F(BusReloadTest, WhenNeitherEndpointBindsTheNextReloadBindsTheBusAgain) {
  const std::filesystem::path dir = env_.dir().file("bus-dir");
  std::filesystem::create_directories(dir);
  const std::string first = "ipc://" + (dir / "first.sock").string();
  const std::string second_path = env_.dir().file("second.sock");
  const std::string config = write_config(first);
  auto daemon = env_.start({"--config", config});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();
  ASSERT_TRUE(publishes_on(first)) << daemon->log();

  // The new endpoint is held, and the old one's folder is gone: neither binds.
  HeldEndpoint held(second_path);
  ASSERT_TRUE(held.held());
  std::filesystem::remove_all(dir);
  write_config("ipc://" + second_path);
  std::string ready = env_.reload(*daemon);
  EXPECT_NE(daemon->log().find("the bus is not bound until a reload (SIGHUP) binds it"), std::string::npos)
      << daemon->log();
  EXPECT_NE(value_of(ready, "STATUS=").find("unbound: bus"), std::string::npos) << ready;
  EXPECT_TRUE(daemon->running());

  // The folder is back and the file names the old endpoint again: bound.
  std::filesystem::create_directories(dir);
  write_config(first);
  ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  EXPECT_EQ(value_of(ready, "STATUS=").find("unbound"), std::string::npos) << ready;
  EXPECT_TRUE(publishes_on(first)) << "the bus stayed unbound; log:\n" << daemon->log();

  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), 0) << daemon->log();
}

}  // namespace
}  // namespace earshot::daemon
