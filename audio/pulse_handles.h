// RAII owners for libpulse handles. Internal to audio/*.cpp (pulls in libpulse).
//
// Thread contract: a handle is used by the thread that runs its mainloop.
#pragma once

#include <pulse/pulseaudio.h>

#include <memory>

namespace earshot::audio::pulse {

struct MainloopFree {
  void operator()(pa_mainloop* loop) const { pa_mainloop_free(loop); }
};
// Callbacks are detached before disconnecting, so none reaches a dead owner.
struct ContextRelease {
  void operator()(pa_context* context) const {
    pa_context_set_state_callback(context, nullptr, nullptr);
    pa_context_disconnect(context);
    pa_context_unref(context);
  }
};
struct StreamRelease {
  void operator()(pa_stream* stream) const {
    pa_stream_set_state_callback(stream, nullptr, nullptr);
    pa_stream_set_read_callback(stream, nullptr, nullptr);
    pa_stream_set_overflow_callback(stream, nullptr, nullptr);
    if (pa_stream_get_state(stream) == PA_STREAM_READY ||
        pa_stream_get_state(stream) == PA_STREAM_CREATING) {
      pa_stream_disconnect(stream);
    }
    pa_stream_unref(stream);
  }
};
// Drops our reference only: it may be released inside the operation's own
// callback. Releasing the context cancels whatever is still pending, so a
// ContextPtr must be released after the operations of that context.
struct OperationRelease {
  void operator()(pa_operation* operation) const { pa_operation_unref(operation); }
};

using MainloopPtr = std::unique_ptr<pa_mainloop, MainloopFree>;
using ContextPtr = std::unique_ptr<pa_context, ContextRelease>;
using StreamPtr = std::unique_ptr<pa_stream, StreamRelease>;
using OperationPtr = std::unique_ptr<pa_operation, OperationRelease>;

}  // namespace earshot::audio::pulse
