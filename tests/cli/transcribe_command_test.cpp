// `earshot transcribe` with several files, one of which cannot be read: every
// input keeps its line, in order, so that output lines still match the files
// given; the failure is named (stderr, JSON "error") and the exit status is 1.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../ipc/command_output.h"

namespace {

const std::string kEarshot = EARSHOT_BINARY_DIR "/cli/earshot";
const std::string kYes = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/fash-1-an251.opus";
const std::string kGo = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/fash-1-an253.opus";

struct CommandRun {
  std::vector<std::string> lines;  // stdout
  int exit_status = -1;
};

CommandRun transcribe(const std::string& args) {
  const auto run = earshot::ipc::testing::run_shell(kEarshot + " transcribe --threads 1 " + args,
                                                    earshot::ipc::testing::Stderr::kDropped);
  return {earshot::ipc::testing::lines_of(run.output), run.exit_status};
}

// A path in single quotes for the shell.
std::string quoted(const std::string& path) { return "'" + path + "'"; }

// A text file named like a sound file, in a folder of this test process's own.
class NotAudioFile {
 public:
  NotAudioFile()
      : dir_(std::filesystem::temp_directory_path() / ("earshot-cli-test-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir_);
    std::ofstream(path()) << "this is text, not a sound file\n";
  }
  ~NotAudioFile() { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "not-audio.wav").string(); }

 private:
  std::filesystem::path dir_;
};

TEST(TranscribeCommand, AFileThatFailsKeepsItsLineSoTheOthersStayInOrder) {
  const CommandRun yes = transcribe(quoted(kYes));
  const CommandRun go = transcribe(quoted(kGo));
  ASSERT_EQ(yes.exit_status, 0);
  ASSERT_EQ(go.exit_status, 0);
  ASSERT_EQ(yes.lines.size(), 1u);
  ASSERT_EQ(go.lines.size(), 1u);
  ASSERT_FALSE(yes.lines[0].empty()) << "the bundled model hears a word in " << kYes;
  ASSERT_FALSE(go.lines[0].empty()) << "the bundled model hears a word in " << kGo;

  const NotAudioFile bad;
  const CommandRun run =
      transcribe(quoted(kYes) + " /nonexistent/earshot-test.wav " + quoted(bad.path()) + " " + quoted(kGo));
  EXPECT_EQ(run.exit_status, 1);
  ASSERT_EQ(run.lines.size(), 4u);
  EXPECT_EQ(run.lines[0], yes.lines[0]);
  EXPECT_EQ(run.lines[1], "");
  EXPECT_EQ(run.lines[2], "");
  EXPECT_EQ(run.lines[3], go.lines[0]);
}

TEST(TranscribeCommand, JsonNamesTheErrorOfTheFileThatFailed) {
  const NotAudioFile not_audio;
  const std::string bad = not_audio.path();
  const CommandRun run = transcribe("--json " + quoted(kYes) + " " + quoted(bad) + " " + quoted(kGo));
  EXPECT_EQ(run.exit_status, 1);
  ASSERT_EQ(run.lines.size(), 3u);
  std::vector<nlohmann::json> objects;
  for (const auto& line : run.lines) objects.push_back(nlohmann::json::parse(line));
  EXPECT_EQ(objects[0]["path"], kYes);
  EXPECT_EQ(objects[1]["path"], bad);
  EXPECT_EQ(objects[2]["path"], kGo);
  EXPECT_FALSE(objects[0].contains("error"));
  EXPECT_FALSE(objects[2].contains("error"));
  ASSERT_TRUE(objects[1].contains("error"));
  EXPECT_NE(objects[1]["error"].get<std::string>().find(bad), std::string::npos) << objects[1].dump();
  EXPECT_EQ(objects[1]["text"], "");
  EXPECT_FALSE(objects[0]["text"].get<std::string>().empty());
}

}  // namespace
