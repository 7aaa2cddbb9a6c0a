#include "audio/alsa_pcm.h"

#include <alsa/asoundlib.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace earshot::audio {

namespace {

snd_pcm_format_t alsa_format(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16:
      return SND_PCM_FORMAT_S16_LE;
    case SampleFormat::kS32:
      return SND_PCM_FORMAT_S32_LE;
    case SampleFormat::kF32:
      return SND_PCM_FORMAT_FLOAT_LE;
  }
  return SND_PCM_FORMAT_UNKNOWN;
}

// Frees the hardware parameter block on every path.
struct HwParams {
  HwParams() { snd_pcm_hw_params_malloc(&params); }
  ~HwParams() { snd_pcm_hw_params_free(params); }
  snd_pcm_hw_params_t* params = nullptr;
};

struct SwParams {
  SwParams() { snd_pcm_sw_params_malloc(&params); }
  ~SwParams() { snd_pcm_sw_params_free(params); }
  snd_pcm_sw_params_t* params = nullptr;
};

std::string asked_text(const AlsaRequest& r) {
  const std::string format =
      r.sample_format ? std::string(to_string(*r.sample_format)) : "f32le|s32le|s16le";
  return format + " " + std::to_string(r.n_channels) + "ch " + std::to_string(r.rate) + " Hz";
}

}  // namespace

std::string alsa_error_text(int code) { return snd_strerror(code); }

AlsaPcm::AlsaPcm(const AlsaRequest& request) {
  const std::string device = "ALSA device '" + request.device + "'";
  int err = snd_pcm_open(&pcm_, request.device.c_str(), SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
  if (err < 0) {
    pcm_ = nullptr;
    throw std::runtime_error(device + " cannot be opened for capture: " + snd_strerror(err));
  }
  // From here on the destructor will not run: close on every throw.
  const auto refuse = [&](const std::string& what, int code) {
    snd_pcm_close(pcm_);
    pcm_ = nullptr;
    throw std::runtime_error(device + " " + what + " (asked " + asked_text(request) + ")" +
                             (code < 0 ? std::string(": ") + snd_strerror(code) : ""));
  };

  HwParams hw;
  if ((err = snd_pcm_hw_params_any(pcm_, hw.params)) < 0)
    refuse("has no capture configuration", err);
  if ((err = snd_pcm_hw_params_set_access(pcm_, hw.params, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) {
    refuse("refuses interleaved reads", err);
  }

  if (request.sample_format) {
    format_.sample_format = *request.sample_format;
    err = snd_pcm_hw_params_set_format(pcm_, hw.params, alsa_format(format_.sample_format));
    if (err < 0)
      refuse("refuses sample format " + std::string(to_string(format_.sample_format)), err);
  } else {
    bool found = false;
    for (SampleFormat f : {SampleFormat::kF32, SampleFormat::kS32, SampleFormat::kS16}) {
      if (snd_pcm_hw_params_test_format(pcm_, hw.params, alsa_format(f)) == 0) {
        format_.sample_format = f;
        found = true;
        break;
      }
    }
    if (!found) refuse("takes none of the sample formats earshot reads; try plughw:", 0);
    if ((err = snd_pcm_hw_params_set_format(pcm_, hw.params, alsa_format(format_.sample_format))) <
        0) {
      refuse("refuses sample format " + std::string(to_string(format_.sample_format)), err);
    }
  }

  unsigned int n_channels = request.n_channels;
  if ((err = snd_pcm_hw_params_set_channels_near(pcm_, hw.params, &n_channels)) < 0) {
    refuse("refuses every channel count near " + std::to_string(request.n_channels), err);
  }
  unsigned int rate = request.rate;
  if ((err = snd_pcm_hw_params_set_rate_near(pcm_, hw.params, &rate, nullptr)) < 0) {
    refuse("refuses every rate near " + std::to_string(request.rate) + " Hz", err);
  }
  snd_pcm_uframes_t period = std::max<snd_pcm_uframes_t>(rate * request.period_ms / 1000, 16);
  if ((err = snd_pcm_hw_params_set_period_size_near(pcm_, hw.params, &period, nullptr)) < 0) {
    refuse("refuses a period of " + std::to_string(request.period_ms) + " ms", err);
  }
  // A deep buffer (at least 200 ms) rides out a late capture thread.
  snd_pcm_uframes_t buffer = std::max<snd_pcm_uframes_t>(period * 8, rate / 5);
  if ((err = snd_pcm_hw_params_set_buffer_size_near(pcm_, hw.params, &buffer)) < 0) {
    refuse("refuses a buffer of " + std::to_string(buffer) + " frames", err);
  }
  if ((err = snd_pcm_hw_params(pcm_, hw.params)) < 0) refuse("refuses the configuration", err);

  format_.rate = rate;
  format_.n_channels = n_channels;
  period_frames_ = period;

  SwParams sw;
  snd_pcm_sw_params_current(pcm_, sw.params);
  snd_pcm_sw_params_set_avail_min(pcm_, sw.params, period);
  if ((err = snd_pcm_sw_params(pcm_, sw.params)) < 0)
    refuse("refuses its software parameters", err);
  if ((err = snd_pcm_prepare(pcm_)) < 0) refuse("cannot be prepared", err);
}

AlsaPcm::~AlsaPcm() {
  if (pcm_) snd_pcm_close(pcm_);
}

int AlsaPcm::start() {
  return snd_pcm_start(pcm_);
}

int AlsaPcm::wait(int timeout_ms) {
  return snd_pcm_wait(pcm_, timeout_ms);
}

long AlsaPcm::delay_frames() {
  snd_pcm_sframes_t delay = 0;
  const int err = snd_pcm_delay(pcm_, &delay);
  return err < 0 ? err : static_cast<long>(delay);
}

long AlsaPcm::read(void* out, size_t n_frames) {
  return static_cast<long>(snd_pcm_readi(pcm_, out, n_frames));
}

int AlsaPcm::recover(int error) {
  const int err = snd_pcm_recover(pcm_, error, 1);
  if (err < 0) return err;
  return snd_pcm_start(pcm_);
}

}  // namespace earshot::audio
