#include "tools/scoring/chrf.h"

#include <algorithm>
#include <array>
#include <map>

namespace earshot::scoring {
namespace {

constexpr int kOrder = 6;
constexpr double kBeta = 2.0;

// UTF-8 to code points, whitespace dropped, case folded; a malformed byte
// stands for itself.
std::u32string folded_chars(const std::string& text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const int length = byte < 0x80 ? 1 : (byte >> 5) == 6 ? 2 : (byte >> 4) == 14 ? 3 : (byte >> 3) == 30 ? 4 : 1;
    char32_t c = length == 1 ? byte : byte & (0x7F >> length);
    bool ok = i + length <= text.size();
    for (int k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0) == 0x80;
      c = (c << 6) | (next & 0x3F);
    }
    if (!ok) c = byte;
    i += ok ? length : 1;
    if (c == U' ' || c == U'\t' || c == U'\n' || c == U'\r') continue;
    if ((c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) c += 0x20;
    out.push_back(c);
  }
  return out;
}

// Per order: hypothesis n-grams, reference n-grams, matches (clipped counts).
using Counts = std::array<std::array<double, 3>, kOrder>;

void add_pair(const std::u32string& ref, const std::u32string& hyp, Counts& counts) {
  for (int n = 1; n <= kOrder; ++n) {
    std::map<std::u32string, int> in_ref, in_hyp;
    for (size_t i = 0; i + n <= ref.size(); ++i) ++in_ref[ref.substr(i, n)];
    for (size_t i = 0; i + n <= hyp.size(); ++i) ++in_hyp[hyp.substr(i, n)];
    double matched = 0;
    for (const auto& [gram, k] : in_hyp) {
      const auto found = in_ref.find(gram);
      if (found != in_ref.end()) matched += std::min(k, found->second);
    }
    counts[n - 1][0] += hyp.size() >= static_cast<size_t>(n) ? hyp.size() - n + 1 : 0;
    counts[n - 1][1] += ref.size() >= static_cast<size_t>(n) ? ref.size() - n + 1 : 0;
    counts[n - 1][2] += matched;
  }
}

}  // namespace

double chrf(const std::vector<std::string>& refs, const std::vector<std::string>& hyps) {
  Counts counts{};
  for (size_t i = 0; i < refs.size() && i < hyps.size(); ++i) add_pair(folded_chars(refs[i]), folded_chars(hyps[i]), counts);
  // Precision and recall averaged over the orders where both sides have n-grams.
  double precision = 0, recall = 0;
  int n_orders = 0;
  for (const auto& [n_hyp, n_ref, n_match] : counts) {
    if (n_hyp > 0 && n_ref > 0) {
      precision += n_match / n_hyp;
      recall += n_match / n_ref;
      ++n_orders;
    }
  }
  if (n_orders == 0) return 0;
  precision /= n_orders;
  recall /= n_orders;
  if (precision + recall == 0) return 0;
  const double b2 = kBeta * kBeta;
  return 100 * (1 + b2) * precision * recall / (b2 * precision + recall);
}

}  // namespace earshot::scoring
