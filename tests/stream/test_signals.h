// Synthetic test audio at 16 kHz: speech-like bursts and quiet backgrounds.
#pragma once

#include <vector>

namespace earshot::stream::testing {

// A voiced burst: a 150 Hz fundamental with harmonics, amplitude-modulated at
// 4 Hz like syllables, at the given level (dBFS of its RMS).
std::vector<float> voiced(double seconds, double level_dbfs, unsigned seed = 1);
// Gaussian noise at the given RMS level (dBFS).
std::vector<float> noise(double seconds, double level_dbfs, unsigned seed = 2);
void append(std::vector<float>& to, const std::vector<float>& more);

}  // namespace earshot::stream::testing
