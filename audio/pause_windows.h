// Long audio cut into windows a model decodes in one prompt each, the cuts
// placed in pauses so that words are rarely split.
//
//   for (auto w : pause_windows(samples, 4.0)) transcribe(w);
//
// Each window ends in the middle of the quietest stretch (kPauseFrames frames
// of 40 ms, mean log energy) whose middle lies in the second half of the
// longest window allowed, so a window holds between half that length and the
// whole of it; the last one takes what is left. A single quiet frame is not
// enough: the closure of a stop consonant inside a word is as quiet as a pause
// for 40-80 ms.
#pragma once

#include <span>
#include <vector>

namespace earshot::audio {

inline constexpr int kPauseFrames = 5;  // 200 ms: the shortest pause a cut looks for

// Consecutive windows covering all of `samples` (16 kHz mono), none longer than
// max_seconds (rounded down to whole 40 ms frames, at least one frame).
std::vector<std::span<const float>> pause_windows(std::span<const float> samples, double max_seconds);

}  // namespace earshot::audio
