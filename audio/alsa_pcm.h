// An ALSA capture PCM opened and configured for interleaved reads: the RAII
// owner of snd_pcm_t. Internal to the ALSA source.
//
// Thread contract: thread-compatible; after opening, used by one capture thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "audio/sample_format.h"

typedef struct _snd_pcm snd_pcm_t;

namespace earshot::audio {

struct AlsaRequest {
  std::string device;
  uint32_t rate = 48000;                      // nearest taken
  uint32_t n_channels = 2;                    // nearest taken
  std::optional<SampleFormat> sample_format;  // none: first of f32, s32, s16 taken
  uint32_t period_ms = 10;
};

// ALSA's words for one of its error codes: a negative errno, or one of its
// own codes, which strerror does not know.
std::string alsa_error_text(int code);

class AlsaPcm {
 public:
  // Opens non-blocking and configures; throws std::runtime_error naming the
  // device and what it refused.
  explicit AlsaPcm(const AlsaRequest& request);
  ~AlsaPcm();
  AlsaPcm(const AlsaPcm&) = delete;
  AlsaPcm& operator=(const AlsaPcm&) = delete;

  const StreamFormat& format() const { return format_; }
  size_t period_frames() const { return period_frames_; }

  // Starts capturing (after open or after recover()).
  int start();
  // Waits up to timeout_ms for a period to be readable: > 0 ready, 0 timeout,
  // < 0 a negative errno (e.g. -EPIPE overrun, -ENODEV gone).
  int wait(int timeout_ms);
  // Frames captured and not yet read, or a negative errno.
  long delay_frames();
  // Reads up to n_frames interleaved frames: the count, or a negative errno
  // (-EAGAIN when nothing is ready).
  long read(void* out, size_t n_frames);
  // Restarts after an overrun (-EPIPE) or a suspend (-ESTRPIPE); 0 on success.
  int recover(int error);

 private:
  snd_pcm_t* pcm_ = nullptr;
  StreamFormat format_;
  size_t period_frames_ = 0;
};

}  // namespace earshot::audio
