// Writes 16 kHz mono 16-bit WAV files for the service's tests: silence, noise
// bursts, or given samples. Plain functions.
#pragma once

#include <span>
#include <string>

namespace earshot::daemon::testing {

// Throws std::runtime_error when the file cannot be written.
void write_wav(const std::string& path, std::span<const float> samples, int rate = 16000);
void write_silence_wav(const std::string& path, double seconds, int rate = 16000);
// `seconds` of 0.6 s noise bursts, each followed by 0.6 s of silence: a segment
// opens on each burst, so even the tiny random test model publishes text.
void write_noise_bursts_wav(const std::string& path, double seconds);

}  // namespace earshot::daemon::testing
