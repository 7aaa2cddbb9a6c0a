#include "model/beam_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace earshot::model {
namespace {

struct Hypothesis {
  std::vector<TokenId> ids;
  double score = 0;   // speech model log probability plus the fusion's terms
  LmState lm;
};

struct Candidate {
  size_t parent = 0;
  TokenId token = -1;
  double score = 0;
};

// log_softmax of the logits, in place.
void to_log_probs(std::vector<float>& v) {
  const float max = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (const float x : v) sum += std::exp(static_cast<double>(x - max));
  const auto log_z = static_cast<float>(max + std::log(sum));
  for (float& x : v) x -= log_z;
}

// Keeps one sequence of answer tokens in the session and moves it to the
// hypothesis asked for, running as few tokens as it can.
class CachedPrefix {
 public:
  explicit CachedPrefix(Session& session) : session_(session), start_(session.n_pos()) {
    const std::span<const float> l = session.logits();
    start_log_probs_.assign(l.begin(), l.end());
    to_log_probs(start_log_probs_);
  }

  // The next-token log probabilities after `ids`.
  Status log_probs(const std::vector<TokenId>& ids, std::vector<float>& out) {
    if (ids.empty()) {
      out = start_log_probs_;
      return Status::kOk;
    }
    size_t common = 0;
    while (common < ids.size() && common < held_.size() && ids[common] == held_[common]) ++common;
    if (common == ids.size() && common == held_.size() && !session_.logits().empty()) {
      // The session's last run was this very prefix.
    } else {
      const size_t keep = std::min(common, ids.size() - 1);  // rerun at least the last token, for its logits
      if (Status s = session_.rollback(start_ + static_cast<int32_t>(keep)); s != Status::kOk) return s;
      held_.resize(keep);
      const std::span<const TokenId> rest(ids.data() + keep, ids.size() - keep);
      const Status s = rest.size() == 1 ? session_.decode_token(rest[0]) : session_.prefill_tokens(rest);
      if (s != Status::kOk) return s;
      held_.assign(ids.begin(), ids.end());
      n_run_ += static_cast<int64_t>(rest.size());
    }
    const std::span<const float> l = session_.logits();
    out.assign(l.begin(), l.end());
    to_log_probs(out);
    return Status::kOk;
  }

  int64_t n_run() const { return n_run_; }

 private:
  Session& session_;
  int32_t start_;
  std::vector<float> start_log_probs_;
  std::vector<TokenId> held_;
  int64_t n_run_ = 0;
};

bool is_stop(const GreedyLimits& limits, TokenId t) {
  return std::find(limits.stop.begin(), limits.stop.end(), t) != limits.stop.end();
}

}  // namespace

Generation generate_beam(Session& session, const BeamParams& params, const Tokenizer& tokenizer,
                         const LmFusion* fusion) {
  Generation g;
  if (session.logits().empty()) {
    g.status = Status::kNoLogits;
    return g;
  }
  const auto width = static_cast<size_t>(std::max(1, params.width));
  CachedPrefix cache(session);
  std::vector<Hypothesis> live(1);
  if (fusion != nullptr) live[0].lm = fusion->start();
  std::vector<Hypothesis> finished;
  Hypothesis looped;  // the best hypothesis dropped for looping, a last resort
  looped.score = -std::numeric_limits<double>::infinity();
  std::vector<float> log_probs;
  std::vector<TokenId> order(tokenizer.n_tokens());

  double best_finished = -std::numeric_limits<double>::infinity();
  for (int step = 0; step < params.limits.max_tokens && !live.empty(); ++step) {
    // Done when no live hypothesis scores above the best finished one: the
    // speech model's terms only lower a score (the bonuses may raise it
    // again, a chance the search gives up).
    const bool can_improve = std::any_of(live.begin(), live.end(), [&](const Hypothesis& h) { return h.score > best_finished; });
    if (!can_improve) break;
    std::sort(live.begin(), live.end(), [](const Hypothesis& a, const Hypothesis& b) { return a.ids < b.ids; });
    std::vector<Candidate> candidates;
    for (size_t h = 0; h < live.size(); ++h) {
      if (Status s = cache.log_probs(live[h].ids, log_probs); s != Status::kOk) {
        g.status = s;
        g.reason = StopReason::kError;
        return g;
      }
      const size_t n_top = std::min(width, log_probs.size());
      order.resize(log_probs.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<TokenId>(i);
      std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(n_top), order.end(),
                        [&](TokenId a, TokenId b) { return log_probs[static_cast<size_t>(a)] > log_probs[static_cast<size_t>(b)]; });
      for (size_t i = 0; i < n_top; ++i) {
        const TokenId t = order[i];
        const double score = live[h].score + log_probs[static_cast<size_t>(t)] + params.token_bonus;
        if (is_stop(params.limits, t)) {
          Hypothesis done = live[h];
          done.score = score + (fusion != nullptr ? fusion->finish(done.lm) : 0.0);
          best_finished = std::max(best_finished, done.score);
          finished.push_back(std::move(done));
        } else {
          candidates.push_back({h, t, score});
        }
      }
    }
    // Fusion terms depend on the token's text; add them before choosing.
    std::vector<LmState> states(candidates.size());
    for (size_t c = 0; c < candidates.size(); ++c) {
      states[c] = live[candidates[c].parent].lm;
      if (fusion != nullptr) candidates[c].score += fusion->advance(states[c], tokenizer.piece_bytes(candidates[c].token));
    }
    std::vector<size_t> best(candidates.size());
    for (size_t i = 0; i < best.size(); ++i) best[i] = i;
    const size_t n_keep = std::min(width, best.size());
    std::partial_sort(best.begin(), best.begin() + static_cast<ptrdiff_t>(n_keep), best.end(),
                      [&](size_t a, size_t b) { return candidates[a].score > candidates[b].score; });
    std::vector<Hypothesis> next;
    for (size_t i = 0; i < n_keep; ++i) {
      const Candidate& c = candidates[best[i]];
      Hypothesis h{live[c.parent].ids, c.score, states[best[i]]};
      h.ids.push_back(c.token);
      if (repeated_pattern(h.ids, params.limits) > 0) {
        if (h.score > looped.score) looped = std::move(h);
        continue;
      }
      next.push_back(std::move(h));
    }
    live = std::move(next);
  }
  g.n_tokens_run = cache.n_run();
  if (!finished.empty()) {
    const auto top = std::max_element(finished.begin(), finished.end(),
                                      [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
    g.ids = std::move(top->ids);
    g.reason = StopReason::kStopToken;
  } else if (!live.empty()) {
    g.ids = std::move(live.front().ids);  // the loop's last pass left them best first
    g.reason = StopReason::kMaxTokens;
  } else {
    g.ids = std::move(looped.ids);
    cut_repetition(g.ids, params.limits);
    g.reason = StopReason::kRepetition;
  }
  return g;
}

Generation generate_answer(Session& session, const BeamParams& params, const Tokenizer& tokenizer,
                           const LmFusion* fusion) {
  return params.width > 0 ? generate_beam(session, params, tokenizer, fusion) : generate_greedy(session, params.limits);
}

}  // namespace earshot::model
