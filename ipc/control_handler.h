// What the daemon plugs into the control server: one method per control command
// (docs/protocol.md, "Control commands"). "history" is answered by the server
// itself from the History store.
//
// Thread contract: the control server calls the handler on its own thread, one
// request at a time; the handler must make its own state safe to read from that
// thread (the session threads keep running). An exception thrown by a method
// becomes an error reply; the server keeps serving.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ipc/transcript_event.h"

namespace earshot::ipc {

// The "set" command: fields left empty are left as they are.
struct SourceSettings {
  std::string source{};
  std::optional<Task> task{};
  std::optional<std::string> language{};         // "" = detect
  std::optional<std::string> target_language{};  // "" = none
};

// The outcome of a command that changes something: ok, or why not.
struct ControlResult {
  std::string error{};  // "" when the command succeeded

  bool ok() const { return error.empty(); }
  static ControlResult success() { return {}; }
  static ControlResult failure(std::string why) { return ControlResult{std::move(why)}; }
};

class ControlHandler {
 public:
  virtual ~ControlHandler() = default;

  virtual DaemonStatus status() = 0;
  virtual std::vector<SourceStatus> list_sources() { return status().sources; }
  virtual ControlResult pause(const std::string& source) = 0;
  virtual ControlResult resume(const std::string& source) = 0;
  virtual ControlResult set(const SourceSettings& settings) = 0;
};

}  // namespace earshot::ipc
