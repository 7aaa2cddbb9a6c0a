// The control protocol without the socket: one JSON request in, one JSON reply
// out (docs/protocol.md, "Control commands"). Anything wrong with the request
// (too large, not JSON, wrong types, unknown command, a handler that throws)
// becomes {"schema":1,"ok":false,"error":"..."}.
// Thread contract: called on the control server's thread; the History may be
// written by another thread meanwhile (it locks).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace earshot::ipc {

class ControlHandler;
class History;

inline constexpr size_t kDefaultMaxControlRequestBytes = 64 * 1024;
inline constexpr size_t kDefaultHistoryCount = 20;

struct ControlReply {
  std::string json{};
  bool ok = false;  // false: the reply is an error reply
};

// Never throws (short of running out of memory).
ControlReply answer_control_request(std::string_view request, ControlHandler& handler, const History& history,
                                   size_t max_request_bytes = kDefaultMaxControlRequestBytes);

// An error reply, for requests that never reach answer_control_request().
std::string control_error_reply(const std::string& error);

}  // namespace earshot::ipc
