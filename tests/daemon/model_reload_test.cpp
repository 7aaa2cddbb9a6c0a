// Reloading (SIGHUP) onto another model file, against the real earshotd: a
// changed `model` path loads the new model and the sessions go on with it; a
// corrupt file, or one that loads but cannot serve the sources, is refused
// with a message naming it, and the old model keeps serving; a new file
// renamed over the same path is loaded by the next reload. The models are
// the tiny random test model and copies of it.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "daemon_test_env.h"
#include "ipc/control_client.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using testing::test_model;

using namespace std::chrono_literals;
using testing::value_of;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 60s;
constexpr std::string_view kName = "earshot-test-random";
constexpr std::string_view kOtherName =
    "earshot-test-RANDOM";  // same length: the file's layout stays

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A copy of the test model whose general.name reads kOtherName.
void write_renamed_model(const std::string& path) {
  std::string bytes = read_file(test_model());
  const size_t at = bytes.find(kName);
  if (at == std::string::npos) throw std::runtime_error("no general.name in " + test_model());
  bytes.replace(at, kName.size(), kOtherName);
  write_file(path, bytes);
}

// A copy of the test model that loads but cannot make a decoder: its
// vocabulary lacks the <|audio> token the prompt needs (renamed in place).
void write_model_without_audio_token(const std::string& path) {
  std::string bytes = read_file(test_model());
  constexpr std::string_view kToken = "<|audio>";
  const size_t at = bytes.find(kToken);
  if (at == std::string::npos) throw std::runtime_error("no <|audio> token in " + test_model());
  bytes.replace(at, kToken.size(), "<|audiX>");
  if (bytes.find(kToken) != std::string::npos) throw std::runtime_error("<|audio> twice in " + test_model());
  write_file(path, bytes);
}

// The first half of the test model: a header promising tensors that are not there.
void write_truncated_model(const std::string& path) {
  const std::string bytes = read_file(test_model());
  write_file(path, std::string_view(bytes).substr(0, bytes.size() / 2));
}

class ModelReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
    silence_ = env_.dir().file("silence.wav");
    testing::write_silence_wav(silence_, 120.0, 8000);
  }

  std::string write_config(const std::string& model) {
    return env_.dir().write("earshotd.toml", "model = \"" + model +
                                                 "\"\nthreads = 1\n[[source]]\nlabel = \"quiet\"\n"
                                                 "kind = \"file\"\npath = \"" +
                                                 silence_ + "\"\n");
  }


  testing::DaemonTestEnv env_;
  std::string silence_;
  ipc::ControlClient control_{{.endpoint = env_.control_endpoint(), .timeout = 5000ms}};
};

TEST_F(ModelReloadTest, AChangedModelPathLoadsTheNewModelAndACorruptOneKeepsTheOld) {
  const std::string config = write_config(test_model());
  auto daemon = env_.start({"--config", config});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();
  ASSERT_EQ(control_.status().model, kName);

  // Another file: loaded, and the source runs on it.
  const std::string renamed = env_.dir().file("renamed.gguf");
  write_renamed_model(renamed);
  write_config(renamed);
  std::string ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  ipc::DaemonStatus status = control_.status();
  EXPECT_EQ(status.model, kOtherName) << daemon->log();
  ASSERT_EQ(status.sources.size(), 1u);
  EXPECT_EQ(status.sources[0].state, ipc::SourceState::kRunning);
  EXPECT_NE(daemon->log().find("model " + std::string(kOtherName) + " (" + renamed + ") loaded"),
            std::string::npos)
      << daemon->log();

  // A corrupt file: refused, named in STATUS= and the log; the model of before serves on.
  const std::string corrupt = env_.dir().file("corrupt.gguf");
  write_truncated_model(corrupt);
  write_config(corrupt);
  ready = env_.reload(*daemon);
  const std::string line = value_of(ready, "STATUS=");
  EXPECT_NE(line.find("reload failed"), std::string::npos) << ready;
  EXPECT_NE(line.find(corrupt), std::string::npos)
      << "the message does not name the file: " << line;
  status = control_.status();
  EXPECT_EQ(status.model, kOtherName) << "the old model is gone";
  ASSERT_EQ(status.sources.size(), 1u);
  EXPECT_EQ(status.sources[0].state, ipc::SourceState::kRunning);
  EXPECT_NE(daemon->log().find("reload failed, going on as before"), std::string::npos)
      << daemon->log();
  EXPECT_TRUE(daemon->running());

  // A later good reload still works: the service was left whole.
  write_config(test_model());
  ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  EXPECT_EQ(control_.status().model, kName);

  env_.notify().drain();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}

TEST_F(ModelReloadTest, AModelTheSourcesCannotRunOnIsRefusedAndTheOldSessionsGoOn) {
  const std::string config = write_config(test_model());
  auto daemon = env_.start({"--config", config});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();

  // It parses and has a projector, but no decoder can be made over it: the
  // reload is refused before the running session is stopped.
  const std::string unusable = env_.dir().file("no-audio-token.gguf");
  write_model_without_audio_token(unusable);
  write_config(unusable);
  const std::string ready = env_.reload(*daemon);
  const std::string line = value_of(ready, "STATUS=");
  EXPECT_NE(line.find("reload failed"), std::string::npos) << ready;
  EXPECT_NE(line.find(unusable), std::string::npos) << "the message does not name the file: " << line;
  EXPECT_NE(line.find("source 'quiet' cannot run on it"), std::string::npos) << line;
  EXPECT_NE(line.find("<|audio>"), std::string::npos) << line;
  const ipc::DaemonStatus status = control_.status();
  EXPECT_EQ(status.model, kName) << "the old model is gone";
  ASSERT_EQ(status.sources.size(), 1u) << daemon->log();
  EXPECT_EQ(status.sources[0].source, "quiet");
  EXPECT_EQ(status.sources[0].state, ipc::SourceState::kRunning);
  EXPECT_EQ(daemon->log().find("reload: model"), std::string::npos) << daemon->log();

  env_.notify().drain();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}

TEST_F(ModelReloadTest, AFileRenamedOverTheSamePathIsLoadedByTheNextReload) {
  const std::string path = env_.dir().file("current.gguf");
  write_file(path, read_file(test_model()));
  const std::string config = write_config(path);
  auto daemon = env_.start({"--config", config});
  ASSERT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << daemon->log();
  ASSERT_EQ(control_.status().model, kName);

  // Nothing changed on disk: the reload keeps the loaded model.
  std::string ready = env_.reload(*daemon);
  EXPECT_EQ(daemon->log().find("replaced on disk"), std::string::npos) << daemon->log();

  // The documented way to replace a model: a new file renamed over the path.
  const std::string next = env_.dir().file("current.gguf.new");
  write_renamed_model(next);
  std::filesystem::rename(next, path);
  ready = env_.reload(*daemon);
  EXPECT_EQ(value_of(ready, "STATUS=").find("reload failed"), std::string::npos) << ready;
  EXPECT_EQ(control_.status().model, kOtherName) << daemon->log();
  EXPECT_NE(daemon->log().find(path + " was replaced on disk"), std::string::npos) << daemon->log();

  env_.notify().drain();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), std::optional<int>(0)) << daemon->log();
}

}  // namespace
}  // namespace earshot::daemon
