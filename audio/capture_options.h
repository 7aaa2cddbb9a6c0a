// Settings every source shares. Defaults suit live speech capture.
#pragma once

#include <cstddef>

namespace earshot::audio {

struct CaptureOptions {
  // speexdsp resampler quality, 0 (fastest) .. 10 (best).
  int resample_quality = 5;
  // Ring capacity in seconds of 16 kHz audio (rounded up to a power of two blocks).
  double ring_seconds = 10.0;
};

}  // namespace earshot::audio
