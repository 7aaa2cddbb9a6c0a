#include "model/beam_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "model/ops.h"

namespace earshot::model {
namespace {

// One token's cache rows in every layer, shared by the hypotheses that
// descend from it.
using TokenRows = std::shared_ptr<const KvRows>;

struct Hypothesis {
  std::vector<TokenId> ids;
  double score = 0;   // speech model log probability plus the scorers' terms
  LmState lm;
  CtcPrefixState ctc;
  std::vector<TokenRows> rows;  // the cache rows of ids' first tokens, as far as kept
};

struct Candidate {
  size_t parent = 0;
  TokenId token = -1;
  double score = 0;
};

// log_softmax of the logits, in place.
void to_log_probs(std::vector<float>& v) { ops::log_softmax(v.data(), static_cast<int64_t>(v.size())); }

// Keeps one sequence of answer tokens in the session and moves it to the
// hypothesis asked for: it rolls back to where the two part, writes back the
// cache rows the hypothesis kept of its own tokens (a copy, no model run), and
// runs only the tokens it has no rows for, normally its newest one. Each run
// token's rows are kept for the hypothesis and its descendants while the rows
// made in this search stay under a byte budget; past it, tokens are run again.
class CachedPrefix {
 public:
  CachedPrefix(Session& session, size_t row_budget_bytes)
      : session_(session), start_(session.n_pos()), budget_(row_budget_bytes) {
    const std::span<const float> l = session.logits();
    start_log_probs_.assign(l.begin(), l.end());
    to_log_probs(start_log_probs_);
  }

  // The next-token log probabilities after h.ids; may add to h.rows.
  Status log_probs(Hypothesis& h, std::vector<float>& out) {
    const std::vector<TokenId>& ids = h.ids;
    if (ids.empty()) {
      out = start_log_probs_;
      return Status::kOk;
    }
    size_t common = 0;
    while (common < ids.size() && common < held_.size() && ids[common] == held_[common]) ++common;
    if (common == ids.size() && common == held_.size() && !session_.logits().empty()) {
      // The session's last run was this very prefix.
    } else if (Status s = move_to(h, std::min(common, ids.size() - 1)); s != Status::kOk) {
      return s;
    }
    const std::span<const float> l = session_.logits();
    out.assign(l.begin(), l.end());
    to_log_probs(out);
    return Status::kOk;
  }

  int64_t n_run() const { return n_run_; }

 private:
  // Keeps the first `keep` held tokens (shared with h), then brings in the
  // rest of h's tokens, running at least the last one for its logits.
  Status move_to(Hypothesis& h, size_t keep) {
    const std::vector<TokenId>& ids = h.ids;
    if (Status s = session_.rollback(start_ + static_cast<int32_t>(keep)); s != Status::kOk) return s;
    held_.resize(keep);
    const size_t n_kept_rows = std::min(h.rows.size(), ids.size() - 1);
    for (size_t i = keep; i < n_kept_rows; ++i) {
      if (Status s = session_.append_rows(*h.rows[i]); s != Status::kOk) return s;
      held_.push_back(ids[i]);
    }
    // One token at a time, as greedy decoding runs them: the rows kept are then
    // the very rows a rerun would make, and the search's answer does not depend
    // on the budget.
    for (size_t i = held_.size(); i < ids.size(); ++i) {
      if (Status s = session_.decode_token(ids[i]); s != Status::kOk) return s;
      held_.push_back(ids[i]);
      ++n_run_;
      keep_rows(h);
    }
    return Status::kOk;
  }

  // Copies out the rows of the token just run for h, when h's kept rows
  // reach up to it and the budget allows.
  void keep_rows(Hypothesis& h) {
    if (h.rows.size() + 1 != held_.size()) return;
    auto rows = std::make_shared<KvRows>();
    if (session_.copy_last_rows(1, *rows) != Status::kOk || used_ + rows->bytes() > budget_) return;
    used_ += rows->bytes();
    h.rows.push_back(std::move(rows));
  }

  Session& session_;
  int32_t start_;
  size_t budget_;
  size_t used_ = 0;  // bytes of rows made in this search
  std::vector<float> start_log_probs_;
  std::vector<TokenId> held_;
  int64_t n_run_ = 0;
};

bool is_stop(const GreedyLimits& limits, TokenId t) {
  return std::find(limits.stop.begin(), limits.stop.end(), t) != limits.stop.end();
}

}  // namespace

Generation generate_beam(Session& session, const BeamParams& params, const Tokenizer& tokenizer,
                         const BeamScorers& scorers) {
  const LmFusion* fusion = scorers.fusion;
  const CtcPrefixScorer* ctc = scorers.ctc;
  Generation g;
  if (session.logits().empty()) {
    g.status = Status::kNoLogits;
    return g;
  }
  const auto width = static_cast<size_t>(std::max(1, params.width));
  CachedPrefix cache(session, params.row_budget_bytes);
  std::vector<Hypothesis> live(1);
  if (fusion != nullptr) live[0].lm = scorers.fusion_start != nullptr ? *scorers.fusion_start : fusion->start();
  if (ctc != nullptr) live[0].ctc = ctc->start();
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
      if (Status s = cache.log_probs(live[h], log_probs); s != Status::kOk) {
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
          done.rows.clear();  // a finished answer is not run again
          done.score = score + (fusion != nullptr ? fusion->finish(done.lm) : 0.0) +
                       (ctc != nullptr ? ctc->finish(done.ctc) : 0.0);
          best_finished = std::max(best_finished, done.score);
          finished.push_back(std::move(done));
        } else {
          candidates.push_back({h, t, score});
        }
      }
    }
    // The scorers' terms depend on the token's text; add them before choosing.
    std::vector<LmState> states(candidates.size());
    std::vector<CtcPrefixState> ctc_states(candidates.size());
    for (size_t c = 0; c < candidates.size(); ++c) {
      const Hypothesis& parent = live[candidates[c].parent];
      const std::string_view piece = tokenizer.piece_bytes(candidates[c].token);
      states[c] = parent.lm;
      if (fusion != nullptr) candidates[c].score += fusion->advance(states[c], piece);
      if (ctc != nullptr) {
        ctc_states[c] = parent.ctc;
        candidates[c].score += ctc->advance(ctc_states[c], piece);
      }
    }
    std::vector<size_t> best(candidates.size());
    for (size_t i = 0; i < best.size(); ++i) best[i] = i;
    const size_t n_keep = std::min(width, best.size());
    std::partial_sort(best.begin(), best.begin() + static_cast<ptrdiff_t>(n_keep), best.end(),
                      [&](size_t a, size_t b) { return candidates[a].score > candidates[b].score; });
    std::vector<Hypothesis> next;
    for (size_t i = 0; i < n_keep; ++i) {
      const Candidate& c = candidates[best[i]];
      Hypothesis h{live[c.parent].ids, c.score, states[best[i]], std::move(ctc_states[best[i]]), live[c.parent].rows};
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
                           const BeamScorers& scorers) {
  return params.width > 0 ? generate_beam(session, params, tokenizer, scorers) : generate_greedy(session, params.limits);
}

}  // namespace earshot::model
