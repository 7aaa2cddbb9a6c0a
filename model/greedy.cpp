#include "model/greedy.h"

#include <algorithm>
#include <cmath>

namespace earshot::model {

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kStopToken: return "stop token";
    case StopReason::kMaxTokens: return "max tokens";
    case StopReason::kRepetition: return "repetition";
    case StopReason::kError: return "error";
  }
  return "?";
}

std::vector<TokenId> stop_tokens(const Tokenizer& tokenizer) {
  std::vector<TokenId> stop;
  for (std::string_view piece : {kTurnEndToken, kEosToken}) {
    if (const TokenId id = tokenizer.find(piece); id >= 0) stop.push_back(id);
  }
  return stop;
}

int max_tokens_for_audio(double seconds, double tokens_per_s) {
  return 8 + static_cast<int>(std::ceil(tokens_per_s * std::max(0.0, seconds)));
}

int max_tokens_for_translation(double seconds, double tokens_per_s) {
  return max_tokens_for_audio(seconds, tokens_per_s) + max_tokens_for_audio(seconds, 3 * tokens_per_s);
}

int repeated_pattern(std::span<const TokenId> ids, const GreedyLimits& limits) {
  const auto n = static_cast<int64_t>(ids.size());
  for (int p = 1; p <= limits.max_pattern; ++p) {
    const int64_t repeats = std::max<int64_t>(limits.min_repeats, (limits.min_span + p - 1) / p);
    const int64_t span = repeats * p;
    if (span > n) continue;
    bool loop = true;
    for (int64_t i = n - span; i < n - p && loop; ++i) loop = ids[static_cast<size_t>(i)] == ids[static_cast<size_t>(i + p)];
    if (loop) return p;
  }
  return 0;
}

void cut_repetition(std::vector<TokenId>& ids, const GreedyLimits& limits) {
  const int p = repeated_pattern(ids, limits);
  if (p == 0) return;
  const int64_t repeats = std::max<int64_t>(limits.min_repeats, (limits.min_span + p - 1) / p);
  ids.resize(ids.size() - static_cast<size_t>((repeats - 1) * p));
}

Generation generate_greedy(Session& session, const GreedyLimits& limits) {
  Generation g;
  if (session.logits().empty()) {
    g.status = Status::kNoLogits;
    return g;
  }
  while (true) {
    const TokenId t = session.greedy_token();
    if (std::find(limits.stop.begin(), limits.stop.end(), t) != limits.stop.end()) {
      g.reason = StopReason::kStopToken;
      return g;
    }
    g.ids.push_back(t);
    if (repeated_pattern(g.ids, limits) > 0) {
      cut_repetition(g.ids, limits);
      g.reason = StopReason::kRepetition;
      return g;
    }
    if (static_cast<int>(g.ids.size()) >= limits.max_tokens) {
      g.reason = StopReason::kMaxTokens;
      return g;
    }
    ++g.n_tokens_run;
    if (Status s = session.decode_token(t); s != Status::kOk) {
      g.status = s;
      g.reason = StopReason::kError;
      return g;
    }
  }
}

}  // namespace earshot::model
