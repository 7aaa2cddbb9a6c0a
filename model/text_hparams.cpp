#include "model/text_hparams.h"

#include <algorithm>
#include <optional>
#include <string>

#include "model/gguf_file.h"

namespace earshot::model {
namespace {

std::string key_of(std::string_view suffix) { return std::string(kTextArchitecture) + "." + std::string(suffix); }

[[noreturn]] void fail(const GgufFile& file, std::string_view key, const std::string& what) {
  throw GgufError(file.path().string() + ": key '" + std::string(key) + "': " + what);
}

int positive_u32(const GgufFile& file, const std::string& key, uint32_t value) {
  if (value == 0 || value > (1u << 24)) {
    fail(file, key, "expected a value in 1.." + std::to_string(1u << 24) + ", found " + std::to_string(value));
  }
  return static_cast<int>(value);
}

int require_positive(const GgufFile& file, std::string_view suffix) {
  const std::string key = key_of(suffix);
  return positive_u32(file, key, file.get_u32(key));
}

int optional_positive(const GgufFile& file, std::string_view suffix, int fallback) {
  const std::string key = key_of(suffix);
  const auto v = file.find_u32(key);
  return v ? positive_u32(file, key, *v) : fallback;
}

// A key that llama.cpp accepts either as one value or as one value per layer.
std::vector<int> per_layer(const GgufFile& file, std::string_view suffix, int n_layer, std::optional<int> fallback) {
  const std::string key = key_of(suffix);
  const GgufValue* value = file.find(key);
  if (value == nullptr) {
    if (!fallback) file.value(key);  // throws "missing key"
    return std::vector<int>(static_cast<size_t>(n_layer), *fallback);
  }
  if (value->type() != GgufValueType::kArray) {
    return std::vector<int>(static_cast<size_t>(n_layer), positive_u32(file, key, file.get_u32(key)));
  }
  const std::vector<uint32_t> values = file.get_u32_array(key);
  if (values.size() != static_cast<size_t>(n_layer)) {
    fail(file, key, "expected " + std::to_string(n_layer) + " values (block_count), found " +
                        std::to_string(values.size()));
  }
  std::vector<int> out;
  for (uint32_t v : values) out.push_back(positive_u32(file, key, v));
  return out;
}

// A per-layer key whose values must all be equal (the engine has one size).
int uniform(const GgufFile& file, std::string_view suffix, int n_layer) {
  const std::vector<int> values = per_layer(file, suffix, n_layer, std::nullopt);
  for (int v : values) {
    if (v != values[0]) {
      fail(file, key_of(suffix), "expected the same value for every layer, found " + std::to_string(values[0]) +
                                     " and " + std::to_string(v));
    }
  }
  return values[0];
}

void require_zero(const GgufFile& file, std::string_view suffix, bool required, std::string_view why) {
  const std::string key = key_of(suffix);
  const auto v = file.find_u32(key);
  if (!v) {
    if (required) file.value(key);  // throws "missing key"
    return;
  }
  if (*v != 0) fail(file, key, "expected 0 (" + std::string(why) + "), found " + std::to_string(*v));
}

}  // namespace

int TextHparams::max_head_dim() const {
  int m = 0;
  for (const LayerShape& l : layers) m = std::max(m, l.head_dim);
  return m;
}

int TextHparams::max_kv_dim() const {
  int m = 0;
  for (const LayerShape& l : layers) m = std::max(m, l.n_kv_head * l.head_dim);
  return m;
}

int TextHparams::max_q_dim() const { return n_head * max_head_dim(); }

bool TextHparams::has_sliding() const {
  return std::any_of(layers.begin(), layers.end(), [](const LayerShape& l) { return l.sliding; });
}

bool TextHparams::has_full() const {
  return std::any_of(layers.begin(), layers.end(), [](const LayerShape& l) { return !l.sliding; });
}

TextHparams read_text_hparams(const GgufFile& file) {
  const std::string_view arch = file.get_string("general.architecture");
  if (arch != kTextArchitecture) {
    fail(file, "general.architecture",
         "expected \"" + std::string(kTextArchitecture) + "\", found \"" + std::string(arch) + "\"");
  }
  TextHparams hp;
  hp.n_layer = require_positive(file, "block_count");
  hp.n_embd = require_positive(file, "embedding_length");
  hp.n_ff = uniform(file, "feed_forward_length", hp.n_layer);
  hp.n_head = uniform(file, "attention.head_count", hp.n_layer);
  hp.n_ctx_train = static_cast<int>(file.find_u32(key_of("context_length")).value_or(0));
  hp.norm_eps = file.get_f32(key_of("attention.layer_norm_rms_epsilon"));
  if (!(hp.norm_eps > 0.0f && hp.norm_eps < 1.0f)) {
    fail(file, key_of("attention.layer_norm_rms_epsilon"),
         "expected a value in (0, 1), found " + std::to_string(hp.norm_eps));
  }
  hp.final_logit_softcap = file.find_f32(key_of("final_logit_softcapping")).value_or(0.0f);
  if (hp.final_logit_softcap < 0.0f) {
    fail(file, key_of("final_logit_softcapping"), "expected >= 0, found " + std::to_string(hp.final_logit_softcap));
  }
  require_zero(file, "embedding_length_per_layer_input", true, "per-layer input embeddings are not supported");
  require_zero(file, "attention.shared_kv_layers", false, "shared KV layers are not supported");

  hp.window = require_positive(file, "attention.sliding_window");
  const std::string pattern_key = key_of("attention.sliding_window_pattern");
  const std::vector<bool> pattern = file.get_bool_array(pattern_key);
  if (pattern.size() != static_cast<size_t>(hp.n_layer)) {
    fail(file, pattern_key, "expected " + std::to_string(hp.n_layer) + " values (block_count), found " +
                                std::to_string(pattern.size()));
  }
  const std::vector<int> n_kv = per_layer(file, "attention.head_count_kv", hp.n_layer, hp.n_head);

  // Geometry of each layer kind: full layers use the plain keys, sliding
  // layers the _swa ones (llama.cpp's gemma4 loader).
  const int default_head_dim = hp.n_embd / hp.n_head;
  const int key_full = optional_positive(file, "attention.key_length", default_head_dim);
  const int value_full = optional_positive(file, "attention.value_length", key_full);
  const bool any_sliding = std::find(pattern.begin(), pattern.end(), true) != pattern.end();
  const int key_swa = any_sliding ? require_positive(file, "attention.key_length_swa")
                                  : optional_positive(file, "attention.key_length_swa", key_full);
  const int value_swa = optional_positive(file, "attention.value_length_swa", key_swa);
  if (value_full != key_full) {
    fail(file, key_of("attention.value_length"),
         "expected key_length " + std::to_string(key_full) + ", found " + std::to_string(value_full));
  }
  if (value_swa != key_swa) {
    fail(file, key_of("attention.value_length_swa"),
         "expected key_length_swa " + std::to_string(key_swa) + ", found " + std::to_string(value_swa));
  }
  const std::string base_key = key_of("rope.freq_base");
  const float base_full = file.find_f32(base_key).value_or(10000.0f);
  const float base_swa = file.find_f32(key_of("rope.freq_base_swa")).value_or(base_full);
  if (!(base_full > 1.0f)) fail(file, base_key, "expected > 1, found " + std::to_string(base_full));
  if (!(base_swa > 1.0f)) {
    fail(file, key_of("rope.freq_base_swa"), "expected > 1, found " + std::to_string(base_swa));
  }
  const int rot_full = optional_positive(file, "rope.dimension_count", key_full);
  const int rot_swa = optional_positive(file, "rope.dimension_count_swa", key_swa);
  if (rot_full > key_full || rot_full % 2 != 0) {
    fail(file, key_of("rope.dimension_count"),
         "expected an even value <= key_length " + std::to_string(key_full) + ", found " + std::to_string(rot_full));
  }
  if (rot_swa > key_swa || rot_swa % 2 != 0) {
    fail(file, key_of("rope.dimension_count_swa"),
         "expected an even value <= key_length_swa " + std::to_string(key_swa) + ", found " +
             std::to_string(rot_swa));
  }

  for (int l = 0; l < hp.n_layer; ++l) {
    LayerShape s;
    s.sliding = pattern[static_cast<size_t>(l)];
    s.n_kv_head = n_kv[static_cast<size_t>(l)];
    s.head_dim = s.sliding ? key_swa : key_full;
    s.n_rot = s.sliding ? rot_swa : rot_full;
    s.rope_base = s.sliding ? base_swa : base_full;
    s.use_rope_freqs = !s.sliding;
    if (hp.n_head % s.n_kv_head != 0) {
      fail(file, key_of("attention.head_count_kv"),
           "layer " + std::to_string(l) + ": expected a divisor of head_count " + std::to_string(hp.n_head) +
               ", found " + std::to_string(s.n_kv_head));
    }
    hp.layers.push_back(s);
  }
  return hp;
}

}  // namespace earshot::model
