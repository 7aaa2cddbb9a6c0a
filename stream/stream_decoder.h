// What a streaming session needs from a loaded model: one decoding state per
// stream, fed audio incrementally and asked for text after the audio so far.
// model/ provides the implementation over the engine (stream/engine_decoder.h);
// the policy code here depends only on this interface.
//
// Thread contract: one session thread uses a StreamDecoder.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace earshot::stream {

using TokenId = int32_t;

enum class DecodeStatus { kOk, kFailed };

struct Hypothesis {
  std::vector<TokenId> tokens;  // after the forced prefix, without the stop token
  bool stopped = false;         // ended on a stop token (not on the length bound or a loop)
  bool looped = false;          // cut because the tail repeated
};

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;

  // Starts a segment: the state holds the prompt up to the start of the audio;
  // whatever the previous segment left is gone (memory stays bounded).
  virtual DecodeStatus begin_segment() = 0;
  // Appends whole 640-sample frames (16 kHz mono) of the current segment. Audio
  // already appended is never processed again.
  virtual DecodeStatus append_audio(std::span<const float> frames) = 0;
  // Decodes after the audio so far: closes the audio block and the user turn,
  // forces `prefix` (text already committed), then generates at most max_new
  // tokens (greedily or by a narrow beam). The state is rolled back to the end
  // of the audio afterwards.
  virtual DecodeStatus decode(std::span<const TokenId> prefix, int max_new, Hypothesis& out) = 0;
  // The same for a segment's final answer, where a decoder may search harder
  // (a wider beam) than for the partials; by default it is decode().
  virtual DecodeStatus decode_final(std::span<const TokenId> prefix, int max_new, Hypothesis& out) {
    return decode(prefix, max_new, out);
  }

  virtual std::string text_of(std::span<const TokenId> tokens) const = 0;
  // The model's tokens for a piece of text (no BOS), to force it.
  virtual std::vector<TokenId> tokens_of(std::string_view text) const = 0;
  // True when the token begins a new word (its text starts with a space).
  virtual bool starts_word(TokenId token) const = 0;
  virtual int n_audio_frames() const = 0;
  // Largest number of audio frames one segment may hold (the model's clip limit).
  virtual int max_audio_frames() const = 0;
  // The audio frames a segment should hold at most, for this model to decode
  // it well (model::clip_window_seconds): by default the clip limit.
  virtual int window_frames() const { return max_audio_frames(); }
  // Why the last call that returned kFailed failed, for logs ("cache full").
  virtual std::string failure_reason() const { return "decode failed"; }
};

}  // namespace earshot::stream
