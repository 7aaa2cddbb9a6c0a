#include "model/ctc_prefix_score.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace earshot::model {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

char fold_case(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

}  // namespace

CtcPrefixScorer::CtcPrefixScorer(std::string_view labels, std::span<const float> log_probs, double weight)
    : labels_(labels),
      log_probs_(log_probs),
      n_labels_(labels.size() + 1),
      n_frames_(static_cast<int>(log_probs.size() / n_labels_)),
      space_(label_of(' ')),
      weight_(weight) {
  start_.r_nonblank.assign(static_cast<size_t>(n_frames_), kNegInf);
  start_.r_blank.resize(static_cast<size_t>(n_frames_));
  double blanks = 0;
  for (int t = 0; t < n_frames_; ++t) {
    blanks += log_prob(t, 0);
    start_.r_blank[static_cast<size_t>(t)] = blanks;
  }
}

void CtcPrefixScorer::begin_with(std::string_view text) { advance(start_, text); }

int CtcPrefixScorer::label_of(char c) const {
  const size_t i = labels_.find(c);
  return i == std::string::npos ? -1 : static_cast<int>(i) + 1;
}

void CtcPrefixScorer::extend(CtcPrefixState& s, int label) const {
  if (n_frames_ == 0) return;
  const std::vector<double> old_n = std::move(s.r_nonblank);
  const std::vector<double> old_b = std::move(s.r_blank);
  const auto n = static_cast<size_t>(n_frames_);
  s.r_nonblank.assign(n, kNegInf);
  s.r_blank.assign(n, kNegInf);
  // The label may start at frame 0 only as the first label of all.
  if (s.last == 0) s.r_nonblank[0] = log_prob(0, label);
  double prefix = s.r_nonblank[0];
  for (size_t t = 1; t < n; ++t) {
    // Paths that end the old labels at t-1; a repeated label needs a blank between.
    const double before = label == s.last ? old_b[t - 1] : log_add(old_b[t - 1], old_n[t - 1]);
    const double emit = log_prob(static_cast<int>(t), label);
    s.r_nonblank[t] = log_add(s.r_nonblank[t - 1], before) + emit;
    s.r_blank[t] = log_add(s.r_blank[t - 1], s.r_nonblank[t - 1]) + log_prob(static_cast<int>(t), 0);
    prefix = log_add(prefix, before + emit);
  }
  s.prefix = prefix;
  s.last = label;
}

double CtcPrefixScorer::advance(CtcPrefixState& s, std::string_view bytes) const {
  const double before = s.prefix;
  for (const char raw : bytes) {
    if (is_space(raw)) {
      s.space_pending = s.last != 0;  // no space before the first letter
      continue;
    }
    const int label = label_of(fold_case(raw));
    if (label <= 0 || label == space_) continue;
    if (s.space_pending && space_ > 0) extend(s, space_);
    s.space_pending = false;
    extend(s, label);
  }
  return weight_ * (s.prefix - before);
}

double CtcPrefixScorer::finish(CtcPrefixState& s) const {
  if (n_frames_ == 0) return 0;
  const size_t last = static_cast<size_t>(n_frames_) - 1;
  const double whole = log_add(s.r_nonblank[last], s.r_blank[last]);
  const double delta = weight_ * (whole - s.prefix);
  s.prefix = whole;
  return delta;
}

}  // namespace earshot::model
