// `earshot transcribe` with several files, one of which cannot be read: every
// input keeps its line, in order, so that output lines still match the files
// given; the failure is named (stderr, JSON "error") and the exit status is 1.
// A long input reaches the bundled model in windows cut at its pauses. The
// bundled word model serves English transcription with the bundled model
// unless turned off, and never a translation.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../audio/sound_file_writer.h"
#include "../ipc/command_output.h"
#include "audio/load_audio.h"
#include "tools/scoring/word_errors.h"

namespace {

const std::string kEarshot = EARSHOT_BINARY_DIR "/cli/earshot";
const std::string kYes = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/fash-1-an251.opus";
const std::string kGo = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/fash-1-an253.opus";
const std::string kAn4 = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/";

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

// A file of this test process's own, removed with it.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("earshot-cli-test-" + std::to_string(getpid()) + "-" + name)) {}
  ~ScratchFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
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

// Four held-out recordings (1.5-2.6 s each, 22 words said) one after another
// with 0.6 s of silence between: 11 s, longer than the bundled model's 4 s
// window. Cut at the pauses, each recording gets a prompt of its own, so the
// long file reads as the four files read one by one.
TEST(TranscribeCommand, ALongFileIsTranscribedInWindowsCutAtItsPauses) {
  const std::vector<std::string> files = {"fash-1-cen7.opus", "fjam-1-an78.opus", "fjam-1-cen2.opus",
                                          "fash-1-an255.opus"};
  const std::string said = "TWO SIX EIGHT FOUR FOUR ONE EIGHT R Q Z H FOUR J U L I E U M N Y H SIX";
  std::vector<float> long_audio;
  std::string one_by_one;
  for (const auto& file : files) {
    const std::vector<float> clip = earshot::audio::load_audio_16k(kAn4 + file);
    long_audio.insert(long_audio.end(), clip.begin(), clip.end());
    long_audio.insert(long_audio.end(), 16000 * 6 / 10, 0.0f);
    const CommandRun alone = transcribe(quoted(kAn4 + file));
    ASSERT_EQ(alone.exit_status, 0);
    ASSERT_EQ(alone.lines.size(), 1u);
    one_by_one += alone.lines[0] + " ";
  }
  const ScratchFile wav("long.wav");
  earshot::audio::testing::write_sound_file(wav.path(), long_audio, 16000, 1, SF_FORMAT_WAV, SF_FORMAT_FLOAT);

  const CommandRun run = transcribe(quoted(wav.path()));
  ASSERT_EQ(run.exit_status, 0);
  ASSERT_EQ(run.lines.size(), 1u);
  using earshot::scoring::word_edits;
  using earshot::scoring::words_of;
  const auto heard = words_of(run.lines[0]);
  EXPECT_LE(word_edits(words_of(one_by_one), heard), 3u) << "long file: " << run.lines[0] << "\none by one: "
                                                         << one_by_one;
  const auto reference = words_of(said);
  EXPECT_LE(word_edits(reference, heard), reference.size() * 35 / 100) << run.lines[0];
}

// `-v` names the word model it loaded.
std::string stderr_of(const std::string& args) {
  return earshot::ipc::testing::run_shell(kEarshot + " transcribe --threads 1 -v " + args).output;
}

TEST(TranscribeCommand, TheBundledWordModelServesEnglishTranscriptionUnlessTurnedOff) {
  const std::string words = "earshot-words.arpa.gz";
  EXPECT_NE(stderr_of(quoted(kYes)).find("word model " EARSHOT_SOURCE_DIR "/models/" + words), std::string::npos);
  EXPECT_EQ(stderr_of("--lm none " + quoted(kYes)).find("word model"), std::string::npos);
  EXPECT_EQ(stderr_of("--beam 0 " + quoted(kYes)).find("word model"), std::string::npos);
  EXPECT_EQ(stderr_of("--translate es " + quoted(kYes)).find("word model"), std::string::npos);
  EXPECT_EQ(stderr_of("--language fr " + quoted(kYes)).find("word model"), std::string::npos);
  const std::string refused = stderr_of("--translate es --lm " + quoted(EARSHOT_SOURCE_DIR "/models/" + words) + " " +
                                        quoted(kYes));
  EXPECT_NE(refused.find("--lm serves transcription: not with --translate"), std::string::npos) << refused;
  // With it, the words are still heard.
  const CommandRun run = transcribe(quoted(kYes) + " " + quoted(kGo));
  ASSERT_EQ(run.exit_status, 0);
  ASSERT_EQ(run.lines.size(), 2u);
  EXPECT_EQ(run.lines[0], "yes");
  EXPECT_EQ(run.lines[1], "go");
}

}  // namespace
