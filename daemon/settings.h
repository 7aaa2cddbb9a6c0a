// Every setting of earshotd, each declared once: field, key, default, help and
// checks, in the visit() lists below. Parsing (config.cpp), printing and the
// reference in docs/daemon.md (config_print.cpp) all walk these lists, so a
// setting added here is read, checked, printed and documented.
//
//   ServiceSettings s;                       // every field at its default
//   visit_settings(s, [](auto& field, const SettingInfo& info, const auto& default_value) {...});
//
// Thread contract: plain values; the main thread builds them, copies go to the
// threads that use them.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ipc/transcript_event.h"
#include "model/beam_search.h"
#include "stream/stream_config.h"

namespace earshot::daemon {

enum class SourceKind { kPulse, kAlsa, kFile, kStdin };

// The names an enum setting takes in the file, in declaration order.
template <class Enum>
struct EnumNames;
template <>
struct EnumNames<SourceKind> {
  static constexpr std::pair<SourceKind, std::string_view> kNames[] = {
      {SourceKind::kPulse, "pulse"},
      {SourceKind::kAlsa, "alsa"},
      {SourceKind::kFile, "file"},
      {SourceKind::kStdin, "stdin"}};
};
template <>
struct EnumNames<ipc::Task> {
  static constexpr std::pair<ipc::Task, std::string_view> kNames[] = {
      {ipc::Task::kTranscribe, "transcribe"}, {ipc::Task::kTranslate, "translate"}};
};

// What a visitor learns about a setting besides its field and default.
struct SettingInfo {
  std::string_view key;
  std::string_view help;
  double min = -std::numeric_limits<double>::infinity();  // numbers only
  double max = std::numeric_limits<double>::infinity();
  bool is_path = false;    // relative paths in a file are taken from the file's folder
  bool may_be_key = false; // a path setting that may hold a CURVE key itself (40 Z85 characters): kept as it is
  bool test_only = false;  // for the test suite; listed apart in the reference
};

// Settings of the whole service: top level of earshotd.toml.
struct ServiceSettings {
  std::string model;
  std::string mmproj;
  int threads;
  int final_beam;
  int partial_beam;
  double ctc_weight;
  std::string word_lm;
  std::vector<std::string> bus;
  std::string bus_broker;
  std::string broker_public_key;
  std::string control;
  std::string curve_secret_key;
  std::string curve_authorized_keys;
  int send_high_water_mark;
  int history;
  double status_interval_s;
  double status_event_interval_s;

  ServiceSettings();  // every field at its default
  bool operator==(const ServiceSettings&) const = default;

  template <class Self, class Visitor>
  static void visit(Self& s, Visitor&& v) {
    v(s.model, {.key = "model", .help = "Model GGUF file (text model, or one file with the audio projector). "
                                        "Empty: the bundled model, looked for in the install data folder, "
                                        "then in the source tree's models/. To change it under the same name, "
                                        "rename a new file over it and reload; never write into it in place.",
                .is_path = true},
      std::string{});
    v(s.mmproj, {.key = "mmproj", .help = "Audio projector GGUF file when the model comes as two files, as "
                                          "llama.cpp ships Gemma 4. Empty: the projector is in the model file.",
                 .is_path = true},
      std::string{});
    v(s.threads, {.key = "threads", .help = "Threads each session's decoder uses (its pool and OpenBLAS).",
                  .min = 1, .max = 256},
      2);
    v(s.final_beam, {.key = "final_beam", .help = "Hypotheses of the beam search that decodes each segment's "
                                                  "final text; 0: greedy. Each one costs "
                                                  "about a greedy decode of the answer (on a published 12B model, "
                                                  "consider 0 or 2).",
                     .min = 0, .max = 16},
      model::kDefaultBeamWidth);
    v(s.partial_beam, {.key = "partial_beam", .help = "Hypotheses of the beam search that decodes the partials, "
                                                      "whose agreed words are committed; 0: greedy. Three cost about a "
                                                      "quarter more than greedy partials and commit fewer errors.",
                       .min = 0, .max = 16},
      model::kDefaultPartialBeamWidth);
    v(s.ctc_weight, {.key = "ctc_weight", .help = "Weight of the model's CTC head (when it has one; the bundled "
                                                  "model does) in the beam searches of transcribing sources: it "
                                                  "scores each answer's letters against the segment's audio. 0: "
                                                  "not used.",
                     .min = 0, .max = 10},
      model::kDefaultCtcWeight);
    v(s.word_lm, {.key = "word_lm", .help = "Word language model (ARPA or .arpa.gz, an absolute path) fused into "
                                            "the beam searches of sources that transcribe English (or detect "
                                            "the language). Empty: the bundled word model with the bundled "
                                            "model, none with others; \"none\": none."},
      std::string{});
    v(s.bus, {.key = "bus", .help = "Endpoints the transcript bus (ZeroMQ PUB) binds. Empty: "
                                    "ipc://$XDG_RUNTIME_DIR/earshot/bus. TCP off the loopback interface needs "
                                    "curve_secret_key."},
      std::vector<std::string>{});
    v(s.bus_broker, {.key = "bus_broker", .help = "Also publish to a bus broker: its XSUB endpoint, connected "
                                                  "to. Empty: none."},
      std::string{});
    v(s.broker_public_key, {.key = "broker_public_key",
                            .help = "The broker's CURVE public key (or a file holding it) when it uses CURVE. "
                                    "With curve_secret_key set, the daemon connects with that key pair, so a "
                                    "broker that checks client keys must list its public key.",
                            .is_path = true, .may_be_key = true},
      std::string{});
    v(s.control, {.key = "control", .help = "Endpoint of the control socket (ZeroMQ REP). Empty: "
                                            "ipc://$XDG_RUNTIME_DIR/earshot/control."},
      std::string{});
    v(s.curve_secret_key, {.key = "curve_secret_key",
                           .help = "CURVE secret key (40 characters of Z85, or a file holding it) for the bus "
                                   "and control sockets; required to bind TCP off the loopback interface.",
                           .is_path = true, .may_be_key = true},
      std::string{});
    v(s.curve_authorized_keys,
      {.key = "curve_authorized_keys",
       .help = "The clients let in to the bus and control sockets: a file of CURVE public keys, one per line, or "
               "a directory whose *.pub files are read (`earshot keygen` makes a client's key pair). Needs "
               "curve_secret_key; read at start and on reload. Empty: any client that knows the server's public "
               "key.",
       .is_path = true},
      std::string{});
    v(s.send_high_water_mark, {.key = "send_high_water_mark",
                               .help = "Messages the bus keeps per subscriber before that subscriber loses "
                                       "messages.",
                               .min = 1, .max = 1000000},
      1000);
    v(s.history, {.key = "history", .help = "Finals kept per source for the control command `history`. "
                                            "Takes effect at start, not on reload.",
                  .min = 0, .max = 100000},
      200);
    v(s.status_interval_s, {.key = "status_interval_s",
                            .help = "How often systemd's STATUS= line is refreshed, seconds.",
                            .min = 0.1, .max = 3600},
      2.0);
    v(s.status_event_interval_s,
      {.key = "status_event_interval_s",
       .help = "How often the status event (topic status/daemon: each source's state, lag and dropped audio, "
               "the real-time factor, the model) is published on the bus, seconds; also after a reload. "
               "0: never (the control command `status` still answers). Otherwise at least 0.1.",
       .min = 0, .max = 3600},
      5.0);
  }
};

// One capture source and its streaming session: one [[source]] table.
struct SourceSettings {
  std::string label;
  SourceKind kind;
  std::string device;
  std::string server;
  std::string path;
  bool realtime;
  std::string format;
  ipc::Task task;
  std::string language;
  std::string target_language;
  int step_ms;
  int pause_ms;
  int short_pause_ms;
  int preroll_ms;
  double max_segment_s;
  double tokens_per_s;
  double skip_partials_backlog_s;
  double drop_backlog_s;
  double vad_speech_margin_db;
  double vad_absolute_gate_dbfs;
  int vad_onset_frames;
  int vad_hangover_frames;
  double vad_floor_rise_db_per_s;
  double vad_speech_range_db;
  int resample_quality;
  double ring_seconds;
  double test_stall_after_s;
  double test_fail_after_s;

  SourceSettings();  // every field at its default
  bool operator==(const SourceSettings&) const = default;

  template <class Self, class Visitor>
  static void visit(Self& s, Visitor&& v) {
    const stream::StreamConfig stream_defaults;
    v(s.label, {.key = "label", .help = "Name of the source on the bus (topics \"final/<label>\", ...): "
                                        "letters, digits, '-' and '_'; unique."},
      std::string{"mic"});
    v(s.kind, {.key = "kind", .help = "Where the audio comes from: pulse (PulseAudio or PipeWire's pulse "
                                      "server), alsa, file (an audio file), stdin (raw PCM on standard input)."},
      SourceKind::kPulse);
    v(s.device, {.key = "device", .help = "pulse: a source name, \"@DEFAULT_SOURCE@\" (the default input) or "
                                          "\"@DEFAULT_MONITOR@\" (what the computer plays); alsa: a PCM name "
                                          "(\"default\", \"hw:0,0\"). Empty: the default input."},
      std::string{});
    v(s.server, {.key = "server", .help = "pulse: the server to connect to. Empty: $PULSE_SERVER or the "
                                          "user's own server."},
      std::string{});
    v(s.path, {.key = "path", .help = "file: the audio file (WAV, FLAC, Ogg, ...).", .is_path = true},
      std::string{});
    v(s.realtime, {.key = "realtime", .help = "file: play the file at real time, like a device (true) or "
                                              "as fast as the session takes it (false)."},
      true);
    v(s.format, {.key = "format", .help = "stdin: the raw PCM format, FORMAT:RATE:CHANNELS "
                                          "(e.g. \"s16le:48000:2\")."},
      std::string{"s16le:16000:1"});
    v(s.task, {.key = "task", .help = "transcribe, or translate (speech in `language` to text in "
                                      "`target_language`)."},
      ipc::Task::kTranscribe);
    v(s.language, {.key = "language", .help = "The spoken language: a tag (\"en\") or an English name "
                                              "(\"English\"). The prompt gets the name, the bus the tag."},
      stream_defaults.language);
    v(s.target_language, {.key = "target_language", .help = "translate: the language of the text, a tag "
                                                            "(\"es\") or an English name (\"Spanish\")."},
      std::string{});
    v(s.step_ms, {.key = "step_ms", .help = "While speech goes on, decode the text this often, ms.",
                  .min = 40, .max = 10000},
      stream_defaults.step_ms);
    v(s.pause_ms, {.key = "pause_ms", .help = "This much non-speech closes a segment (its final is "
                                              "published), ms.",
                   .min = 40, .max = 10000},
      stream_defaults.pause_ms);
    v(s.short_pause_ms, {.key = "short_pause_ms", .help = "This much non-speech closes a segment once it "
                                                          "holds half of the model's window (the bundled "
                                                          "model's is 4 s, most others' the clip limit), ms; "
                                                          "0: off.",
                         .min = 0, .max = 10000},
      stream_defaults.short_pause_ms);
    v(s.preroll_ms, {.key = "preroll_ms", .help = "Audio kept from before the detected speech onset, ms.",
                     .min = 0, .max = 2000},
      stream_defaults.preroll_ms);
    v(s.max_segment_s, {.key = "max_segment_s", .help = "Close a segment here even without a pause, "
                                                        "seconds (the model's clip limit is 30).",
                        .min = 1, .max = 30},
      stream_defaults.max_segment_s);
    v(s.tokens_per_s, {.key = "tokens_per_s", .help = "Output bound: 8 + tokens_per_s x segment seconds "
                                                      "tokens per decode.",
                       .min = 0.5, .max = 100},
      stream_defaults.tokens_per_s);
    v(s.skip_partials_backlog_s,
      {.key = "skip_partials_backlog_s", .help = "Behind real time by this much: no partial decodes, "
                                                 "seconds.",
       .min = 0, .max = 60},
      stream_defaults.skip_partials_backlog_s);
    v(s.drop_backlog_s, {.key = "drop_backlog_s", .help = "Behind real time by this much: audio is skipped "
                                                          "to catch up, seconds.",
                         .min = 0.1, .max = 600},
      stream_defaults.drop_backlog_s);
    v(s.vad_speech_margin_db, {.key = "vad_speech_margin_db",
                               .help = "Voice activity: a frame is speech this far above the noise floor, dB.",
                               .min = 0, .max = 60},
      stream_defaults.vad.speech_margin_db);
    v(s.vad_absolute_gate_dbfs, {.key = "vad_absolute_gate_dbfs",
                                 .help = "Voice activity: frames quieter than this are never speech, dBFS.",
                                 .min = -120, .max = 0},
      stream_defaults.vad.absolute_gate_dbfs);
    v(s.vad_onset_frames, {.key = "vad_onset_frames",
                           .help = "Voice activity: speech frames (40 ms) in a row that start speech.",
                           .min = 1, .max = 100},
      stream_defaults.vad.onset_frames);
    v(s.vad_hangover_frames, {.key = "vad_hangover_frames",
                              .help = "Voice activity: non-speech frames (40 ms) that end speech.",
                              .min = 1, .max = 250},
      stream_defaults.vad.hangover_frames);
    v(s.vad_floor_rise_db_per_s, {.key = "vad_floor_rise_db_per_s",
                                  .help = "Voice activity: how fast the noise floor follows a louder "
                                          "background, dB per second.",
                                  .min = 0, .max = 120},
      stream_defaults.vad.floor_rise_db_per_s);
    v(s.vad_speech_range_db, {.key = "vad_speech_range_db",
                              .help = "Voice activity: frames this far below the recent speech peak are "
                                      "not speech (a word's decaying tail), dB; 0 turns the test off.",
                              .min = 0, .max = 120},
      stream_defaults.vad.speech_range_db);
    v(s.resample_quality, {.key = "resample_quality",
                           .help = "speexdsp resampler quality, 0 (fastest) to 10 (best).", .min = 0,
                           .max = 10},
      5);
    v(s.ring_seconds, {.key = "ring_seconds", .help = "Audio the capture ring holds for a busy session, "
                                                      "seconds.",
                       .min = 0.5, .max = 600},
      10.0);
    v(s.test_stall_after_s,
      {.key = "test_stall_after_s",
       .help = "TEST ONLY: after this much audio the session thread sleeps until shutdown, as a stuck "
               "decode would (the watchdog tests use it). 0: never. Never set it in a real configuration.",
       .min = 0, .max = 1e9, .test_only = true},
      0.0);
    v(s.test_fail_after_s,
      {.key = "test_fail_after_s",
       .help = "TEST ONLY: after this much audio the session thread stops on an error, as a failing "
               "device would (the reload tests use it). 0: never. Never set it in a real configuration.",
       .min = 0, .max = 1e9, .test_only = true},
      0.0);
  }
};

// Defaults through the lists above.
template <class Settings>
void reset_to_defaults(Settings& settings) {
  Settings::visit(settings, [](auto& field, const SettingInfo&, const auto& default_value) {
    field = default_value;
  });
}

inline ServiceSettings::ServiceSettings() { reset_to_defaults(*this); }
inline SourceSettings::SourceSettings() { reset_to_defaults(*this); }

// The stream/ settings of a source: languages as tags, the target only when
// the source translates.
stream::StreamConfig stream_config_of(const SourceSettings& source);

// "Spanish" or "es" -> "es"; a language the table lacks (config_check refuses
// it) comes back as written.
std::string language_tag(const std::string& tag_or_name);

template <class Enum>
std::string_view enum_name(Enum value) {
  for (const auto& [v, name] : EnumNames<Enum>::kNames) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace earshot::daemon
