// Where a source stands, for its consumer and for status reports.
#pragma once

#include <string>
#include <string_view>

namespace earshot::audio {

enum class SourceState {
  kIdle,          // constructed, not started
  kRunning,       // delivering audio
  kReconnecting,  // lost its server or device; trying again by itself
  kEnded,         // end of a file or pipe: every block has been queued
  kFailed,        // gave up; the message says why
  kStopped,       // stop() was called
};

std::string_view to_string(SourceState state);

// True when the capture thread will queue no more blocks.
inline bool is_final(SourceState state) {
  return state == SourceState::kEnded || state == SourceState::kFailed ||
         state == SourceState::kStopped;
}

struct SourceStatus {
  SourceState state = SourceState::kIdle;
  std::string message;  // human-readable detail: device, format, last error
};

}  // namespace earshot::audio
