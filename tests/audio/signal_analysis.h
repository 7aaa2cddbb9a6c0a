// Measurements the audio tests make on captured signals: level, frequency,
// SNR against an ideal sine, and test-signal generators.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace earshot::audio::testing {

// amplitude * sin(2 pi f t), n_frames frames, every channel the same.
std::vector<float> make_sine(double frequency_hz, uint32_t rate, size_t n_frames,
                             uint32_t n_channels = 1, double amplitude = 0.5);

double rms(std::span<const float> samples);

// Frequency with the most energy between min_hz and max_hz, to about 0.5 Hz.
double dominant_frequency(std::span<const float> samples, uint32_t rate, double min_hz = 20.0,
                          double max_hz = -1.0);

// Least-squares fit of a sine (any phase and amplitude, plus offset) at exactly
// frequency_hz; returns 10 log10(fit power / residual power).
double sine_snr_db(std::span<const float> samples, uint32_t rate, double frequency_hz);

// Seconds of audio whose 10 ms RMS exceeds threshold.
double active_seconds(std::span<const float> samples, uint32_t rate, double threshold = 0.05);

}  // namespace earshot::audio::testing
