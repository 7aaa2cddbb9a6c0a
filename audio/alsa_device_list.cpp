#include "audio/alsa_device_list.h"

#include <alsa/asoundlib.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace earshot::audio {

namespace {

// snd_device_name_get_hint() returns malloc'ed strings.
std::string take_hint(const void* hint, const char* id) {
  std::unique_ptr<char, decltype(&std::free)> value(snd_device_name_get_hint(hint, id), &std::free);
  return value ? std::string(value.get()) : std::string();
}

}  // namespace

std::vector<AlsaDeviceInfo> list_alsa_capture_devices() {
  void** hints = nullptr;
  if (const int err = snd_device_name_hint(-1, "pcm", &hints); err < 0) {
    throw std::runtime_error(std::string("ALSA cannot list its PCM devices: ") + snd_strerror(err));
  }
  std::vector<AlsaDeviceInfo> devices;
  for (void** hint = hints; *hint; ++hint) {
    const std::string direction = take_hint(*hint, "IOID");  // empty: both directions
    if (!direction.empty() && direction != "Input") continue;
    AlsaDeviceInfo info{take_hint(*hint, "NAME"), take_hint(*hint, "DESC")};
    if (!info.name.empty()) devices.push_back(std::move(info));
  }
  snd_device_name_free_hint(hints);
  return devices;
}

}  // namespace earshot::audio
