// A scripted StreamDecoder that answers like Gemma 4's translation prompt:
// " w0 w1\nSpanish: p0 p1" after 20 frames (one word heard per 10 frames of the
// segment). Shared by the session's and the daemon's translation tests.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stream/stream_decoder.h"

namespace earshot::stream::testing {

constexpr TokenId kNewline = 1;
constexpr TokenId kLabel = 2;     // "Spanish:"
constexpr TokenId kWord = 100;    // kWord + k prints " wK"
constexpr TokenId kPalabra = 200; // kPalabra + k prints " pK"

// Hears one word per 10 frames of the segment and answers its words, then
// (with_newline, or when the prefix forces the newline) a newline, the label
// and one translated word per word.
class TranslatingDecoder : public StreamDecoder {
 public:
  DecodeStatus begin_segment() override {
    n_frames_ = 0;
    return DecodeStatus::kOk;
  }
  DecodeStatus append_audio(std::span<const float> frames) override {
    n_frames_ += static_cast<int>(frames.size() / 640);
    return DecodeStatus::kOk;
  }
  DecodeStatus decode(std::span<const TokenId> prefix, int max_new, Hypothesis& out) override {
    const bool forced_newline = std::find(prefix.begin(), prefix.end(), kNewline) != prefix.end();
    if (forced_newline) ++n_prefixes_past_newline;
    if (forced_newline && !translates) {  // says nothing after the label
      out = Hypothesis{.tokens = {}, .stopped = true};
      return DecodeStatus::kOk;
    }
    const std::vector<TokenId> answer = answer_now(with_newline || forced_newline);
    if (prefix.size() > answer.size() || !std::equal(prefix.begin(), prefix.end(), answer.begin())) {
      ++n_bad_prefixes;
    }
    out.tokens.assign(answer.begin() + static_cast<long>(std::min(prefix.size(), answer.size())), answer.end());
    if (static_cast<int>(out.tokens.size()) > max_new) out.tokens.resize(static_cast<size_t>(max_new));
    out.stopped = true;
    return DecodeStatus::kOk;
  }
  std::string text_of(std::span<const TokenId> tokens) const override {
    std::string s;
    for (TokenId t : tokens) {
      if (t == kNewline) s += "\n";
      else if (t == kLabel) s += "Spanish:";
      else if (t >= kPalabra) s += " p" + std::to_string(t - kPalabra);
      else s += " w" + std::to_string(t - kWord);
    }
    return s;
  }
  // Knows only the label's text: "\nSpanish:".
  std::vector<TokenId> tokens_of(std::string_view text) const override {
    std::vector<TokenId> out;
    if (text.find('\n') != std::string_view::npos) out.push_back(kNewline);
    if (text.find("Spanish:") != std::string_view::npos) out.push_back(kLabel);
    return out;
  }
  bool starts_word(TokenId t) const override { return t != kNewline; }
  int n_audio_frames() const override { return n_frames_; }
  int max_audio_frames() const override { return 750; }

  bool with_newline = true;
  bool translates = true;  // false: nothing after a label the session wrote
  int n_bad_prefixes = 0;
  int n_prefixes_past_newline = 0;

 private:
  std::vector<TokenId> answer_now(bool translated) const {
    const int n_words = n_frames_ / 10;
    std::vector<TokenId> answer;
    for (int k = 0; k < n_words; ++k) answer.push_back(kWord + k);
    if (!translated || n_words == 0) return answer;
    answer.push_back(kNewline);
    answer.push_back(kLabel);
    for (int k = 0; k < n_words; ++k) answer.push_back(kPalabra + k);
    return answer;
  }
  int n_frames_ = 0;
};

}  // namespace earshot::stream::testing
