// Which part of a streaming transcript may be shown as stable: the tokens that
// two consecutive decodes agree on, cut back to a word boundary (a word is only
// complete when the next token starts a new one). Stable tokens are then forced
// as the prefix of every later decode of the segment, so they are never taken
// back and never decoded again.
//
// Thread contract: thread-compatible; one session thread owns it.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "stream/stream_decoder.h"

namespace earshot::stream {

class StableText {
 public:
  using StartsWord = std::function<bool(TokenId)>;
  explicit StableText(StartsWord starts_word) : starts_word_(std::move(starts_word)) {}

  // Offers the tokens decoded after the stable prefix; returns how many of them
  // became stable now (they are appended to stable()).
  size_t offer(std::span<const TokenId> continuation);

  // Shows a continuation without letting any of it become stable, now or by
  // agreeing with the next decode (a decode on too little audio to trust).
  void hold(std::span<const TokenId> continuation);
  const std::vector<TokenId>& stable() const { return stable_; }
  // The latest continuation minus what just became stable.
  const std::vector<TokenId>& unstable() const { return unstable_; }

  // End of segment: everything decoded becomes final.
  std::vector<TokenId> finish(std::span<const TokenId> final_continuation);
  void reset();

 private:
  StartsWord starts_word_;
  std::vector<TokenId> stable_;
  std::vector<TokenId> previous_;  // last continuation, relative to stable_
  std::vector<TokenId> unstable_;
};

}  // namespace earshot::stream
