#include "audio/source_spec.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace earshot::audio {
namespace {

TEST(SourceSpec, ParsesEachKind) {
  SourceSpec s = parse_source_spec("system=pulse:@DEFAULT_MONITOR@");
  EXPECT_EQ(s.label, "system");
  EXPECT_EQ(s.kind, SourceKind::kPulse);
  EXPECT_EQ(s.argument, "@DEFAULT_MONITOR@");

  s = parse_source_spec("mic=alsa:hw:1,0");  // the argument keeps its own colons
  EXPECT_EQ(s.kind, SourceKind::kAlsa);
  EXPECT_EQ(s.argument, "hw:1,0");

  s = parse_source_spec("talk=file-fast:/data/a b.flac");
  EXPECT_EQ(s.kind, SourceKind::kFileFast);
  EXPECT_EQ(s.argument, "/data/a b.flac");

  s = parse_source_spec("pipe=stdin:s16le:48000:2");
  EXPECT_EQ(s.kind, SourceKind::kStdin);
  EXPECT_EQ(s.argument, "s16le:48000:2");

  s = parse_source_spec("desk=pulse");
  EXPECT_EQ(s.kind, SourceKind::kPulse);
  EXPECT_EQ(s.argument, "");
}

TEST(SourceSpec, ShorthandsForMicAndSystem) {
  EXPECT_EQ(to_string(parse_source_spec("mic")), "mic=pulse");
  EXPECT_EQ(to_string(parse_source_spec("system")), "system=pulse:@DEFAULT_MONITOR@");
}

TEST(SourceSpec, RoundTripsThroughText) {
  for (const char* text : {"a=pulse:x.monitor", "b=alsa:plughw:0,0", "c=file:x.wav",
                           "d=file-fast:y.ogg", "e=stdin:f32le:16000:1"}) {
    EXPECT_EQ(to_string(parse_source_spec(text)), text);
  }
}

TEST(SourceSpec, RejectsMalformedTextSayingWhy) {
  const auto message = [](const char* text) {
    try {
      parse_source_spec(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message("pulse:foo").find("no label"), std::string::npos);
  EXPECT_NE(message("=pulse").find("empty label"), std::string::npos);
  EXPECT_NE(message("m i=pulse").find("letters, digits"), std::string::npos);
  EXPECT_NE(message("mic=jack").find("unknown kind 'jack'"), std::string::npos);
  EXPECT_NE(message("t=file").find("needs an argument"), std::string::npos);
}

TEST(SourceSpec, MakesLabelledSourcesOfTheRightKind) {
  const auto file = make_source(parse_source_spec("talk=file:/tmp/x.wav"), {});
  EXPECT_EQ(file->label(), "talk");
  EXPECT_NE(file->describe().find("file '/tmp/x.wav'"), std::string::npos);
  const auto pipe = make_source(parse_source_spec("pipe=stdin:s16le:48000:2"), {});
  EXPECT_NE(pipe->describe().find("s16le 2ch 48000 Hz"), std::string::npos) << pipe->describe();
  const auto alsa = make_source(parse_source_spec("mic=alsa"), {});
  EXPECT_NE(alsa->describe().find("'default'"), std::string::npos) << alsa->describe();
  EXPECT_THROW(make_source(parse_source_spec("pipe=stdin:s16le"), {}), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::audio
