#include "model/ctc_head.h"

#include <cmath>
#include <string_view>

#include "model/gguf_file.h"
#include "model/ops.h"

namespace earshot::model {
namespace {

constexpr std::string_view kLabelsKey = "clip.audio.ctc.labels";
// torch.nn.LayerNorm's default, which the training head uses.
constexpr float kLayerNormEps = 1e-5f;

}  // namespace

std::optional<CtcHead> CtcHead::load(const GgufFile& file, int n_embd) {
  const std::optional<std::string_view> labels = file.find_string(kLabelsKey);
  if (!labels) return std::nullopt;
  if (labels->empty() || labels->size() > 255) {
    throw GgufError(file.path().string() + ": key '" + std::string(kLabelsKey) + "': expected 1..255 characters, found " +
                    std::to_string(labels->size()));
  }
  CtcHead head;
  head.labels_ = std::string(*labels);
  head.n_embd_ = n_embd;
  const int64_t n_labels = head.n_labels();
  auto f32 = [&](std::string_view name, std::initializer_list<int64_t> shape) {
    return static_cast<const float*>(file.require_tensor(name, {GgmlType::kF32}, shape).data);
  };
  head.norm_weight_ = f32("mm.a.ctc.norm.weight", {n_embd});
  head.norm_bias_ = f32("mm.a.ctc.norm.bias", {n_embd});
  head.weight_ = f32("mm.a.ctc.weight", {n_embd, n_labels});
  head.bias_ = f32("mm.a.ctc.bias", {n_labels});
  return head;
}

void CtcHead::log_probs(const float* x, int n_rows, std::vector<float>& out) const {
  const auto d = static_cast<size_t>(n_embd_);
  const auto n = static_cast<size_t>(n_labels());
  std::vector<float> normed(d);
  for (int r = 0; r < n_rows; ++r) {
    const float* row = x + static_cast<size_t>(r) * d;
    double mean = 0, var = 0;
    for (size_t i = 0; i < d; ++i) mean += row[i];
    mean /= static_cast<double>(d);
    for (size_t i = 0; i < d; ++i) var += (row[i] - mean) * (row[i] - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(d) + kLayerNormEps);
    for (size_t i = 0; i < d; ++i) {
      normed[i] = static_cast<float>((row[i] - mean) * inv) * norm_weight_[i] + norm_bias_[i];
    }
    const size_t first = out.size();
    out.resize(first + n);
    float* logits = out.data() + first;
    for (size_t k = 0; k < n; ++k) {
      const float* w = weight_ + k * d;
      double dot = bias_[k];
      for (size_t i = 0; i < d; ++i) dot += static_cast<double>(w[i]) * normed[i];
      logits[k] = static_cast<float>(dot);
    }
    ops::log_softmax(logits, static_cast<int64_t>(n));
  }
}

}  // namespace earshot::model
