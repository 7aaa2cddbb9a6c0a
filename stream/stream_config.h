// Settings of one streaming session, with the defaults the daemon uses.
#pragma once

#include <string>

#include "stream/voice_activity.h"

namespace earshot::stream {

struct StreamConfig {
  int step_ms = 320;            // decode the tail this often while speech goes on
  // No text becomes stable before the segment holds this much audio: decodes
  // of the first fraction of a second agree on guesses as often as on words.
  int stable_after_ms = 0;
  // After this much of a pause the final is decoded ahead, so that it is ready
  // when the pause reaches pause_ms and closes the segment; speech before then
  // discards it. 0: the final is decoded at the close.
  int early_final_ms = 160;
  int pause_ms = 480;           // this much non-speech closes a segment
  int preroll_ms = 200;         // audio kept from before the detected onset
  double max_segment_s = 25.0;  // close a segment here even without a pause (clip limit 30 s)
  // A segment past half the model's window (StreamDecoder::window_frames)
  // closes at this shorter pause: a model trained on short clips drifts into
  // invented words late in a long one. 0: only pause_ms closes segments.
  int short_pause_ms = 120;
  double tokens_per_s = 6.0;    // output bound: 8 + tokens_per_s * segment seconds
  double skip_partials_backlog_s = 1.0;  // behind by this much: no partial decodes
  double drop_backlog_s = 8.0;  // behind by this much: skip audio to catch up
  std::string language = "en";  // tag of the spoken language, as events carry it
  // Translating: the tag of the target language ("es"); "" = transcription only.
  // The decoder must then have the translation prompt (model/prompt.h).
  std::string target_language;
  VadConfig vad;
};

}  // namespace earshot::stream
