#include "model/audio_projector.h"

#include <cmath>
#include <optional>
#include <string>

#include "model/gguf_file.h"

namespace earshot::model {
namespace {

constexpr std::string_view kHasAudioKey = "clip.has_audio_encoder";
constexpr std::string_view kTypeKey = "clip.audio.projector_type";
constexpr std::string_view kWindowKey = "clip.audio.window_seconds";
constexpr std::string_view kProjectionTensor = "mm.a.input_projection.weight";

[[noreturn]] void fail(const GgufFile& file, std::string_view key, const std::string& what) {
  throw GgufError(file.path().string() + ": key '" + std::string(key) + "': " + what);
}

int expect_u32(const GgufFile& file, std::string_view key, int expected) {
  const uint32_t v = file.get_u32(key);
  if (static_cast<int64_t>(v) != expected) {
    fail(file, key, "expected " + std::to_string(expected) + ", found " + std::to_string(v));
  }
  return expected;
}

int positive_u32(const GgufFile& file, std::string_view key, uint32_t max) {
  const uint32_t v = file.get_u32(key);
  if (v == 0 || v > max) fail(file, key, "expected 1.." + std::to_string(max) + ", found " + std::to_string(v));
  return static_cast<int>(v);
}

LogMelHparams read_logmel(const GgufFile& file) {
  LogMelHparams lm;
  lm.window = positive_u32(file, "clip.audio.logmel.window_length", 4096);
  lm.hop = positive_u32(file, "clip.audio.logmel.hop_length", kFrameSamples);
  lm.n_subframes = positive_u32(file, "clip.audio.logmel.subframe_count", kFrameSamples);
  lm.n_mels = positive_u32(file, "clip.audio.num_mel_bins", 1024);
  lm.log_floor = file.get_f32("clip.audio.logmel.log_floor");
  if (lm.hop * lm.n_subframes != kFrameSamples) {
    fail(file, "clip.audio.logmel.subframe_count",
         "expected hop_length * subframe_count = " + std::to_string(kFrameSamples) + ", found " +
             std::to_string(lm.hop) + " * " + std::to_string(lm.n_subframes));
  }
  if (lm.window < lm.hop || lm.history() > kFrameSamples) {
    fail(file, "clip.audio.logmel.window_length",
         "expected a value in " + std::to_string(lm.hop) + ".." + std::to_string(lm.hop + kFrameSamples) +
             ", found " + std::to_string(lm.window));
  }
  if (!(lm.log_floor > 0.0f) || !std::isfinite(lm.log_floor)) {
    fail(file, "clip.audio.logmel.log_floor", "expected a positive value, found " + std::to_string(lm.log_floor));
  }
  return lm;
}

const float* f32_vector(const GgufFile& file, std::string_view name, int64_t n) {
  return static_cast<const float*>(file.require_tensor(name, {GgmlType::kF32}, {n}).data);
}

}  // namespace

std::string_view projector_type_name(ProjectorType type) {
  return type == ProjectorType::kGemma4Ua ? "gemma4ua" : "earshot_logmel";
}

bool has_audio_projector(const GgufFile& file) {
  return file.find_bool(kHasAudioKey).value_or(false) && file.find_tensor(kProjectionTensor) != nullptr;
}

ProjectorWeights load_projector(const GgufFile& file, int n_embd) {
  if (!file.get_bool(kHasAudioKey)) fail(file, kHasAudioKey, "expected true, found false");
  ProjectorWeights p;
  const std::string_view type = file.get_string(kTypeKey);
  if (type == "gemma4ua") {
    p.type = ProjectorType::kGemma4Ua;
    p.n_in = kFrameSamples;
  } else if (type == "earshot_logmel") {
    p.type = ProjectorType::kEarshotLogMel;
    p.logmel = read_logmel(file);
    p.n_in = p.logmel.n_subframes * p.logmel.n_mels;
  } else {
    fail(file, kTypeKey, "expected \"gemma4ua\" or \"earshot_logmel\", found \"" + std::string(type) + "\"");
  }
  p.n_embd = expect_u32(file, "clip.audio.projection_dim", n_embd);
  expect_u32(file, "clip.audio.embedding_length", p.n_in);
  // llama.cpp reads the key but uses 1e-6 for gemma4ua whatever it says; so do we.
  file.get_f32("clip.audio.attention.layer_norm_epsilon");
  p.eps = 1e-6f;
  if (const std::optional<float> window = file.find_f32(kWindowKey)) {
    if (!(*window >= 1.0f && *window <= 3600.0f)) {
      fail(file, kWindowKey, "expected seconds in 1..3600, found " + std::to_string(*window));
    }
    p.window_seconds = *window;
  }

  const GgufTensor& w = file.require_tensor(kProjectionTensor, {}, {p.n_in, n_embd});
  p.input_projection = weight_matrix(w);
  if (p.type == ProjectorType::kEarshotLogMel) {
    const LogMelHparams& lm = p.logmel;
    p.mel_filters = static_cast<const float*>(
        file.require_tensor("mm.a.logmel.mel_filters", {GgmlType::kF32}, {lm.n_mels, lm.n_bins()}).data);
    p.mel_mean = f32_vector(file, "mm.a.logmel.mean", lm.n_mels);
    p.mel_std = f32_vector(file, "mm.a.logmel.std", lm.n_mels);
    for (int m = 0; m < lm.n_mels; ++m) {
      if (!(p.mel_std[m] > 0.0f)) {
        throw GgufError(file.path().string() + ": tensor 'mm.a.logmel.std': band " + std::to_string(m) +
                        ": expected a positive value, found " + std::to_string(p.mel_std[m]));
      }
    }
  }
  p.ctc_head = CtcHead::load(file, n_embd);
  return p;
}

}  // namespace earshot::model
