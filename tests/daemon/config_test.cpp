// earshotd's configuration: defaults, the file, --set overrides, where each
// value came from, and messages for bad values that name the key and the file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "daemon/config.h"
#include "daemon/config_print.h"
#include "scratch_dir.h"

namespace earshot::daemon {
namespace {

using testing::ScratchDir;

// Points the config search at an empty scratch home, so the tester's own
// ~/.config/earshot/earshotd.toml is never read.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("XDG_CONFIG_HOME", dir_.file("config").c_str(), 1);
    setenv("HOME", dir_.path().c_str(), 1);
  }

  std::string user_config(const std::string& text) { return dir_.write("config/earshot/earshotd.toml", text); }

  // The message of the ConfigError load_config throws; "" if it does not throw.
  std::string error_of(const ConfigRequest& request) {
    try {
      load_config(request);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return {};
  }

  ScratchDir dir_;
};

TEST_F(ConfigTest, WithoutAFileEverySettingHasItsDefault) {
  const DaemonConfig config = load_config({});
  EXPECT_TRUE(config.file.empty());
  EXPECT_EQ(config.service, ServiceSettings{});
  EXPECT_EQ(config.service.threads, 2);
  EXPECT_EQ(config.service.history, 200);
  EXPECT_EQ(config.service.status_event_interval_s, 5.0);
  EXPECT_TRUE(config.service.model.empty());  // the bundled model
  ASSERT_EQ(config.sources.size(), 1u);        // the default input, as "mic"
  EXPECT_EQ(config.sources[0].label, "mic");
  EXPECT_EQ(config.sources[0].kind, SourceKind::kPulse);
  EXPECT_EQ(config.sources[0].task, ipc::Task::kTranscribe);
  const stream::StreamConfig stream_defaults;
  EXPECT_EQ(config.sources[0].step_ms, stream_defaults.step_ms);
  EXPECT_EQ(config.sources[0].language, stream_defaults.language);
  EXPECT_EQ(config.origin_of("threads").origin, Origin::kDefault);
}

TEST_F(ConfigTest, TheUserFileIsFoundAndItsValuesRemembered) {
  const std::string path = user_config(
      "threads = 3\n"
      "bus = [\"tcp://127.0.0.1:7700\"]\n"
      "[[source]]\n"
      "label = \"system\"\n"
      "device = \"@DEFAULT_MONITOR@\"\n"
      "step_ms = 400\n"
      "vad_onset_frames = 3\n"
      "max_segment_s = 12\n"
      "[[source]]\n"
      "label = \"talk\"\n"
      "kind = \"file\"\n"
      "path = \"talk.wav\"\n"
      "task = \"translate\"\n"
      "target_language = \"Spanish\"\n");
  const DaemonConfig config = load_config({});
  EXPECT_EQ(config.file, path);
  EXPECT_EQ(config.service.threads, 3);
  EXPECT_EQ(config.service.bus, std::vector<std::string>{"tcp://127.0.0.1:7700"});
  ASSERT_EQ(config.sources.size(), 2u);
  EXPECT_EQ(config.sources[0].label, "system");
  EXPECT_EQ(config.sources[0].device, "@DEFAULT_MONITOR@");
  EXPECT_EQ(config.sources[0].step_ms, 400);
  EXPECT_EQ(config.sources[0].vad_onset_frames, 3);
  EXPECT_DOUBLE_EQ(config.sources[0].max_segment_s, 12.0);  // an integer where a number is expected
  EXPECT_EQ(config.sources[1].kind, SourceKind::kFile);
  EXPECT_EQ(config.sources[1].task, ipc::Task::kTranslate);
  // A relative path in the file is taken from the file's folder.
  EXPECT_EQ(config.sources[1].path, dir_.file("config/earshot/talk.wav"));

  EXPECT_EQ(config.origin_of("threads").origin, Origin::kFile);
  EXPECT_EQ(config.origin_of("threads").where, path + ":1:11");
  EXPECT_EQ(config.origin_of(source_key(0, "step_ms")).origin, Origin::kFile);
  EXPECT_EQ(config.origin_of(source_key(0, "pause_ms")).origin, Origin::kDefault);
  EXPECT_EQ(config.origin_of("history").origin, Origin::kDefault);

  const stream::StreamConfig stream = stream_config_of(config.sources[0]);
  EXPECT_EQ(stream.step_ms, 400);
  EXPECT_EQ(stream.vad.onset_frames, 3);
}

// Key settings take the key itself or a file holding it: a key written in the
// file is not a relative path.
TEST_F(ConfigTest, AKeyWrittenInTheFileIsKeptAndAKeyFileIsAPath) {
  const std::string key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";  // 40 characters of Z85
  user_config("curve_secret_key = \"" + key + "\"\nbroker_public_key = \"broker.key\"\n");
  const DaemonConfig config = load_config({});
  EXPECT_EQ(config.service.curve_secret_key, key);
  EXPECT_EQ(config.service.broker_public_key, dir_.file("config/earshot/broker.key"));
}

TEST_F(ConfigTest, AnExplicitFileWinsAndAMissingOneIsAnError) {
  user_config("threads = 3\n");
  const std::string other = dir_.write("other.toml", "threads = 5\n");
  EXPECT_EQ(load_config({.config_path = other}).service.threads, 5);
  const std::string missing = dir_.file("missing.toml");
  const std::string message = error_of({.config_path = missing});
  EXPECT_NE(message.find(missing), std::string::npos) << message;
  EXPECT_NE(message.find("no such file"), std::string::npos) << message;
}

TEST_F(ConfigTest, CommandLineOverridesComeLastAndSayWhereTheyCameFrom) {
  user_config(
      "threads = 3\n"
      "[[source]]\n"
      "label = \"mic\"\n"
      "language = \"English\"\n");
  const DaemonConfig config = load_config({.overrides = {"threads=4", "source.mic.language=German",
                                                         "source.mic.step_ms=640", "bus=[\"ipc:///tmp/x\"]"}});
  EXPECT_EQ(config.service.threads, 4);
  EXPECT_EQ(config.sources[0].language, "German");  // not TOML, so taken as a string
  EXPECT_EQ(config.sources[0].step_ms, 640);
  EXPECT_EQ(config.service.bus, std::vector<std::string>{"ipc:///tmp/x"});
  EXPECT_EQ(config.origin_of("threads").origin, Origin::kCommandLine);
  EXPECT_EQ(config.origin_of("threads").where, "--set threads=4");
  EXPECT_EQ(config.origin_of(source_key(0, "language")).origin, Origin::kCommandLine);
}

TEST_F(ConfigTest, AnOverrideOfAnUnknownLabelAddsASourceInsteadOfTheDefault) {
  const DaemonConfig config =
      load_config({.overrides = {"source.demo.kind=file", "source.demo.path=/tmp/speech.wav",
                                 "source.demo.realtime=false"}});
  ASSERT_EQ(config.sources.size(), 1u);
  EXPECT_EQ(config.sources[0].label, "demo");
  EXPECT_EQ(config.sources[0].kind, SourceKind::kFile);
  EXPECT_EQ(config.sources[0].path, "/tmp/speech.wav");
  EXPECT_FALSE(config.sources[0].realtime);
}

TEST_F(ConfigTest, ABadValueNamesTheFileTheLineTheKeyAndWhatWasExpected) {
  const std::string path = user_config(
      "[[source]]\n"
      "label = \"mic\"\n"
      "step_ms = 5\n");
  const std::string message = error_of({});
  EXPECT_NE(message.find(path + ":3:"), std::string::npos) << message;
  EXPECT_NE(message.find("'step_ms'"), std::string::npos) << message;
  EXPECT_NE(message.find("'mic'"), std::string::npos) << message;
  EXPECT_NE(message.find("an integer from 40 to 10000, got 5"), std::string::npos) << message;
}

TEST_F(ConfigTest, WrongTypesAndUnknownKeysAndNamesAreRefused) {
  user_config("threads = \"many\"\n");
  std::string message = error_of({});
  EXPECT_NE(message.find("key 'threads'"), std::string::npos) << message;
  EXPECT_NE(message.find("got \"many\""), std::string::npos) << message;

  user_config("thread = 2\n");
  message = error_of({});
  EXPECT_NE(message.find("unknown key 'thread'"), std::string::npos) << message;
  EXPECT_NE(message.find("threads"), std::string::npos) << message;  // the list of known keys

  user_config("[[source]]\nkind = \"pulseaudio\"\n");
  message = error_of({});
  EXPECT_NE(message.find("key 'kind'"), std::string::npos) << message;
  EXPECT_NE(message.find("one of pulse, alsa, file, stdin"), std::string::npos) << message;

  user_config("[[source]]\nlabel = \"mic\"\nrealtime = 1\n");
  message = error_of({});
  EXPECT_NE(message.find("key 'realtime'"), std::string::npos) << message;
  EXPECT_NE(message.find("true or false"), std::string::npos) << message;

  user_config("[source]\nlabel = \"mic\"\n");
  message = error_of({});
  EXPECT_NE(message.find("[[source]]"), std::string::npos) << message;
}

TEST_F(ConfigTest, TomlSyntaxErrorsNameTheFileAndLine) {
  const std::string path = user_config("threads = 2\nbus = [\"a\"\n");
  const std::string message = error_of({});
  EXPECT_NE(message.find(path + ":"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid TOML"), std::string::npos) << message;
}

TEST_F(ConfigTest, BadOverridesNameTheOverride) {
  std::string message = error_of({.overrides = {"threads=0"}});
  EXPECT_NE(message.find("--set threads=0"), std::string::npos) << message;
  EXPECT_NE(message.find("from 1 to 256"), std::string::npos) << message;
  message = error_of({.overrides = {"threads"}});
  EXPECT_NE(message.find("KEY=VALUE"), std::string::npos) << message;
  message = error_of({.overrides = {"source.mic=3"}});
  EXPECT_NE(message.find("source.LABEL.KEY"), std::string::npos) << message;
  message = error_of({.overrides = {"source.mic.colour=blue"}});
  EXPECT_NE(message.find("unknown key 'colour'"), std::string::npos) << message;
}

TEST_F(ConfigTest, ChecksAcrossValuesNameTheKeyAndWhereItCameFrom) {
  const std::string path = user_config(
      "[[source]]\nlabel = \"a\"\n"
      "[[source]]\nlabel = \"a\"\n");
  std::string message = error_of({});
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("key 'label'"), std::string::npos) << message;
  EXPECT_NE(message.find("used by another source"), std::string::npos) << message;

  user_config("[[source]]\nlabel = \"daemon\"\n");
  EXPECT_NE(error_of({}).find("reserved"), std::string::npos);

  user_config("[[source]]\nlabel = \"two words\"\n");
  EXPECT_NE(error_of({}).find("not a valid label"), std::string::npos);

  user_config("[[source]]\nlabel = \"f\"\nkind = \"file\"\n");
  EXPECT_NE(error_of({}).find("key 'path'"), std::string::npos);

  user_config("[[source]]\nlabel = \"t\"\ntask = \"translate\"\n");
  EXPECT_NE(error_of({}).find("key 'target_language'"), std::string::npos);

  // Languages must be in the table: the prompt needs a name, the bus a tag.
  user_config("[[source]]\nlabel = \"t\"\ntask = \"translate\"\ntarget_language = \"Elvish\"\n");
  const std::string unknown_target = error_of({});
  EXPECT_NE(unknown_target.find("key 'target_language'"), std::string::npos) << unknown_target;
  EXPECT_NE(unknown_target.find("unknown language 'Elvish'"), std::string::npos) << unknown_target;
  EXPECT_NE(unknown_target.find("\"es\""), std::string::npos) << unknown_target;
  user_config("[[source]]\nlabel = \"t\"\nlanguage = \"xx\"\n");
  EXPECT_NE(error_of({}).find("key 'language'"), std::string::npos);

  user_config("[[source]]\nlabel = \"s\"\nkind = \"stdin\"\nformat = \"s16le:fast:2\"\n");
  EXPECT_NE(error_of({}).find("key 'format'"), std::string::npos);

  user_config("[[source]]\nlabel = \"a\"\nkind = \"stdin\"\n[[source]]\nlabel = \"b\"\nkind = \"stdin\"\n");
  EXPECT_NE(error_of({}).find("only one source can read standard input"), std::string::npos);

  // The network without CURVE is refused before anything is bound.
  user_config("bus = [\"tcp://0.0.0.0:7700\"]\n");
  message = error_of({});
  EXPECT_NE(message.find("key 'bus'"), std::string::npos) << message;
  EXPECT_NE(message.find(":1:"), std::string::npos) << message;

  // The status event is off (0) or at most ten a second.
  user_config("status_event_interval_s = 0.05\n");
  message = error_of({});
  EXPECT_NE(message.find("key 'status_event_interval_s'"), std::string::npos) << message;
  EXPECT_NE(message.find("0 (off) or at least 0.1"), std::string::npos) << message;
  user_config("status_event_interval_s = 0\n");
  EXPECT_EQ(error_of({}), "");

  user_config("");  // a valid file, so the bad override is the only fault
  message = error_of({.overrides = {"control=udp://x"}});
  EXPECT_NE(message.find("--set control=udp://x"), std::string::npos) << message;
}

// An allowlist of client keys is enforced in CURVE's handshake, so it needs the
// server's own key; the paths are taken from the file's folder like any path.
TEST_F(ConfigTest, AnAllowlistOfClientKeysNeedsTheServersSecretKey) {
  const std::string path = user_config("threads = 2\ncurve_authorized_keys = \"clients\"\n");
  std::string message = error_of({});
  EXPECT_NE(message.find(path + ":2:"), std::string::npos) << message;
  EXPECT_NE(message.find("key 'curve_authorized_keys'"), std::string::npos) << message;
  EXPECT_NE(message.find("needs curve_secret_key"), std::string::npos) << message;

  user_config("");
  message = error_of({.overrides = {"curve_authorized_keys=/etc/earshot/clients"}});
  EXPECT_NE(message.find("--set curve_authorized_keys=/etc/earshot/clients"), std::string::npos) << message;
  EXPECT_NE(message.find("needs curve_secret_key"), std::string::npos) << message;

  user_config("curve_secret_key = \"bus.key\"\ncurve_authorized_keys = \"clients\"\n");
  const DaemonConfig config = load_config({});
  EXPECT_EQ(config.service.curve_authorized_keys, dir_.file("config/earshot/clients"));
  EXPECT_EQ(config.service.curve_secret_key, dir_.file("config/earshot/bus.key"));
}

TEST_F(ConfigTest, ThePrintedConfigurationIsTomlThatReadsBackTheSame) {
  user_config(
      "threads = 3\n"
      "[[source]]\n"
      "label = \"system\"\n"
      "device = \"@DEFAULT_MONITOR@\"\n"
      "language = \"English\"\n"
      "drop_backlog_s = 4.5\n");
  const DaemonConfig config = load_config({.overrides = {"history=50"}});
  const std::string text = format_config(config);
  EXPECT_NE(text.find("threads = 3  # file " + dir_.file("config/earshot/earshotd.toml") + ":1:11"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("history = 50  # command line --set history=50"), std::string::npos) << text;
  EXPECT_NE(text.find("pause_ms = 480  # default"), std::string::npos) << text;
  EXPECT_NE(text.find("model = \"\"  # default: the bundled model"), std::string::npos) << text;
  EXPECT_EQ(text.find("test_stall_after_s"), std::string::npos) << "test-only settings stay hidden";

  const std::string copy = dir_.write("copy.toml", text);
  const DaemonConfig again = load_config({.config_path = copy});
  EXPECT_EQ(again.service, config.service);
  EXPECT_EQ(again.sources, config.sources);
}

TEST_F(ConfigTest, TheExampleConfigurationIsValid) {
  const DaemonConfig config = load_config({.config_path = std::string(EARSHOT_SOURCE_DIR) +
                                                          "/daemon/earshotd.toml.example"});
  ASSERT_EQ(config.sources.size(), 2u);
  EXPECT_EQ(config.sources[1].device, "@DEFAULT_MONITOR@");
}

TEST_F(ConfigTest, TheReferenceInTheDocsIsTheOneTheSettingsListGives) {
  std::ifstream in(std::string(EARSHOT_SOURCE_DIR) + "/docs/daemon.md");
  ASSERT_TRUE(in) << "docs/daemon.md is missing";
  std::ostringstream doc;
  doc << in.rdbuf();
  const std::string reference = format_reference();
  EXPECT_NE(doc.str().find(reference), std::string::npos)
      << "docs/daemon.md is out of date: paste the output of `earshot config --reference` "
         "between its reference markers";
  // Every setting is in it, with its help.
  EXPECT_NE(reference.find("| `threads` | `2` |"), std::string::npos) << reference;
  EXPECT_NE(reference.find("| `test_stall_after_s` |"), std::string::npos) << reference;
}

}  // namespace
}  // namespace earshot::daemon
