#include "model/lm_fusion.h"

#include <span>

namespace earshot::model {

LmFusion::LmFusion(const WordLm& lm, const LmFusionParams& params) : lm_(lm), params_(params) {}

LmState LmFusion::start() const {
  LmState state;
  state.history[0] = lm_.bos_id();
  state.n_history = 1;
  return state;
}

LmState LmFusion::start_after(std::string_view text) const {
  LmState state = start();
  advance(state, text);
  return state;
}

double LmFusion::word_score(LmState& state, int32_t word) const {
  const double ln_p = lm_.log_prob(std::span<const int32_t>(state.history.data(), static_cast<size_t>(state.n_history)), word);
  if (state.n_history < static_cast<int>(state.history.size())) {
    state.history[static_cast<size_t>(state.n_history++)] = word;
  } else {
    for (size_t i = 1; i < state.history.size(); ++i) state.history[i - 1] = state.history[i];
    state.history.back() = word;
  }
  return params_.weight * ln_p;
}

double LmFusion::end_word(LmState& state) const {
  if (state.partial.empty()) return 0;
  double delta = params_.word_bonus;
  const int32_t word = lm_.word_id(state.partial);
  if (state.partial_charged) {
    // The unknown word paid when its spelling left the vocabulary; it still
    // takes its place in the history.
    word_score(state, lm_.unk_id());
  } else {
    delta += word_score(state, word);
    if (word == lm_.unk_id()) delta -= params_.oov_penalty;
  }
  state.partial.clear();
  state.partial_charged = false;
  ++state.n_words;
  return delta;
}

double LmFusion::advance(LmState& state, std::string_view bytes) const {
  double delta = 0;
  for (const char c : bytes) {
    if (c == ' ' || c == '\n' || c == '\t') {
      delta += end_word(state);
      continue;
    }
    char lower = c;
    if (lower >= 'A' && lower <= 'Z') lower = static_cast<char>(lower - 'A' + 'a');
    if (!((lower >= 'a' && lower <= 'z') || lower == '\'')) continue;
    state.partial.push_back(lower);
    if (!state.partial_charged && !lm_.has_prefix(state.partial)) {
      LmState probe = state;  // the unknown word's cost, without moving the history yet
      delta += word_score(probe, lm_.unk_id()) - params_.oov_penalty;
      state.partial_charged = true;
    }
  }
  return delta;
}

double LmFusion::finish(LmState& state) const {
  double delta = end_word(state);
  delta += word_score(state, lm_.eos_id());
  return delta;
}

}  // namespace earshot::model
