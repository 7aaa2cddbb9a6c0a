// ALSA PCM devices that can capture, as ALSA's name hints list them
// ("default", "pulse", "hw:CARD=...,DEV=0", "plughw:...", ...).
//
// Thread contract: a blocking call; any thread.
#pragma once

#include <string>
#include <vector>

namespace earshot::audio {

struct AlsaDeviceInfo {
  std::string name;
  std::string description;  // may span several lines in ALSA's hints
};

// Throws std::runtime_error when ALSA cannot list its devices.
std::vector<AlsaDeviceInfo> list_alsa_capture_devices();

}  // namespace earshot::audio
