// Events on the transcript bus: what the streaming sessions and the daemon
// publish, and what clients parse back. The wire format (one JSON object with
// "schema": 1) is specified in docs/protocol.md; serialize_event() and
// parse_event() are its implementation.
//
//   TranscriptEvent e{.kind = EventKind::kPartial, .source = "mic", .segment_id = 7,
//                     .sequence = 412, .audio_start_s = 31.2, .audio_end_s = 33.0,
//                     .stable_text = "the quick", .unstable_text = " brown fax"};
//   publisher.publish(std::move(e));
//
// Plain values: any thread may build, copy or move them.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/topic.h"

namespace earshot::ipc {

inline constexpr int kSchemaVersion = 1;

// Status events are published as "status/daemon"; no capture source may use this label.
inline constexpr std::string_view kDaemonSource = "daemon";

enum class SourceState { kStarting, kRunning, kPaused, kStopped, kFailed };
std::string_view source_state_name(SourceState state);
std::optional<SourceState> source_state_from_name(std::string_view name);

enum class Task { kTranscribe, kTranslate };
std::string_view task_name(Task task);
std::optional<Task> task_from_name(std::string_view name);

// One capture source as the daemon sees it.
struct SourceStatus {
  std::string source{};           // label, e.g. "mic"
  SourceState state = SourceState::kStarting;
  Task task = Task::kTranscribe;
  std::string language{};         // spoken language; "" = detect
  std::string target_language{};  // for Task::kTranslate
  double lag_s = 0;             // newest audio captured minus newest audio decoded
  double dropped_audio_s = 0;   // audio lost since the source started (overruns)
  std::string error{};            // why it is kFailed; "" otherwise
  uint64_t n_failed_segments = 0;  // segments whose text a decode failure lost or cut short
  double no_audio_s = 0;  // how long a running source has delivered nothing, from 5 s on; 0 while audio flows
};

// Bus messages that never left the daemon (see PublisherStats).
struct BusDrops {
  uint64_t n_queue_full = 0;   // the publisher's queue was full
  uint64_t n_send_failed = 0;  // the socket refused the message
  uint64_t n_rejected = 0;     // not publishable: an invalid source label or target language
};

struct DaemonStatus {
  double wall_time_s = 0;        // when this snapshot was taken, Unix time
  std::string model{};             // model name, e.g. "earshot-tiny-en"
  double real_time_factor = 0;   // decode time / audio time over the last minute
  double uptime_s = 0;
  int n_subscribers = 0;         // peers connected to the bus socket
  BusDrops drops{};
  uint64_t n_refused_clients = 0;  // CURVE clients the bus and control sockets turned away (allowlist)
  std::vector<SourceStatus> sources{};
};

// A partial, final, translation or status event. Sequence numbers count every
// event of one source (1, 2, 3 ...), so a gap tells a subscriber it lost
// messages; segment ids count the segments of one source. See docs/protocol.md
// for the revision rules (a partial replaces the previous partial of its segment,
// a final is immutable, stable text is never retracted).
struct TranscriptEvent {
  EventKind kind = EventKind::kPartial;
  std::string source{};           // "mic", "system", ...; kDaemonSource for status
  uint64_t segment_id = 0;
  uint64_t sequence = 0;
  double audio_start_s = 0;     // segment start, seconds since the source started
  double audio_end_s = 0;       // end of the audio this text covers, same clock
  double wall_start_s = 0;      // audio_start_s as Unix time (seconds)
  double wall_end_s = 0;        // audio_end_s as Unix time (seconds)
  std::string stable_text{};      // agreed by consecutive decodes; only ever grows
  std::string unstable_text{};    // may still change; always "" in a final
  std::string language{};         // language of the speech
  std::string target_language{};  // translations: language of stable_text
  double lag_s = 0;             // the session's lag when this event was made
  std::optional<DaemonStatus> status{};  // status events only
};

class EventParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The topic the event is published under. Throws std::invalid_argument for an
// invalid source label, or a translation without a valid target language.
std::string topic_of(const TranscriptEvent& event);

// Compact JSON, one object. Never throws for a valid kind: invalid UTF-8 in the
// texts is replaced by U+FFFD and non-finite numbers are written as 0.
std::string serialize_event(const TranscriptEvent& event);

// For clients. Throws EventParseError naming the field and what was wrong
// ("field 'sequence': expected a non-negative integer, got string"). Unknown
// fields are ignored so that schema 1 can gain fields.
TranscriptEvent parse_event(std::string_view payload);

}  // namespace earshot::ipc
