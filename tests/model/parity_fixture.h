// The parity fixtures written by tests/model/make_parity_fixture.py (run by
// ctest before the engine tests, into the build folder): small random models
// exported to GGUF, and what the PyTorch reference computed with them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/tokenizer.h"

namespace earshot::model::testing {

struct ParityCase {
  std::string name;       // "logmel_q8_0"
  std::string config;     // "logmel" or "raw"
  std::string type;       // "f32", "f16", "q8_0", "q4_k", "q6_k"
  std::string projector;
  int n_vocab = 0;
  int n_in = 0;
  std::filesystem::path single, text, mmproj;
  std::vector<float> prompt_logits;  // [n_prompt, n_vocab]
  std::vector<float> step_logits;    // [n_steps, n_vocab]: the logits greedy step k chose from
  std::vector<float> features;       // [n_frames, n_in]
  std::vector<float> ctc_log_probs;  // [n_frames, n_labels]: the CTC head's, of the prompt's frames
  std::vector<TokenId> greedy;       // [n_steps]
  double min_margin = 0;             // smallest top-1 minus top-2 logit over the greedy steps
};

struct ParityFixture {
  std::vector<float> audio;
  int n_frames = 0;
  int n_steps = 0;
  std::vector<TokenId> prefix, suffix;
  std::vector<ParityCase> cases;

  const ParityCase& find(const std::string& name) const {
    for (const ParityCase& c : cases) {
      if (c.name == name) return c;
    }
    throw std::runtime_error("no parity case " + name);
  }
};

inline std::vector<float> read_f32(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  const auto size = static_cast<size_t>(in.tellg());
  std::vector<float> out(size / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
  return out;
}

inline const ParityFixture& parity_fixture() {
  static const ParityFixture fixture = [] {
    const std::filesystem::path dir = std::filesystem::path(EARSHOT_BINARY_DIR) / "parity";
    std::ifstream in(dir / "manifest.json");
    if (!in) throw std::runtime_error("no " + (dir / "manifest.json").string() + ": run ctest (model_parity_fixture)");
    const nlohmann::json m = nlohmann::json::parse(in);
    ParityFixture f;
    f.audio = read_f32(dir / m.at("audio").get<std::string>());
    f.n_frames = m.at("n_frames").get<int>();
    f.n_steps = m.at("n_steps").get<int>();
    f.prefix = m.at("prefix").get<std::vector<TokenId>>();
    f.suffix = m.at("suffix").get<std::vector<TokenId>>();
    for (const auto& c : m.at("cases")) {
      ParityCase p;
      p.name = c.at("name").get<std::string>();
      p.config = c.at("config").get<std::string>();
      p.type = c.at("type").get<std::string>();
      p.projector = c.at("projector").get<std::string>();
      p.n_vocab = c.at("n_vocab").get<int>();
      p.n_in = c.at("n_in").get<int>();
      p.single = dir / c.at("single").get<std::string>();
      p.text = dir / c.at("text").get<std::string>();
      p.mmproj = dir / c.at("mmproj").get<std::string>();
      p.prompt_logits = read_f32(dir / c.at("prompt_logits").get<std::string>());
      p.step_logits = read_f32(dir / c.at("step_logits").get<std::string>());
      p.features = read_f32(dir / c.at("features").get<std::string>());
      p.ctc_log_probs = read_f32(dir / c.at("ctc_log_probs").get<std::string>());
      p.greedy = c.at("greedy").get<std::vector<TokenId>>();
      p.min_margin = c.at("min_margin").get<double>();
      f.cases.push_back(std::move(p));
    }
    return f;
  }();
  return fixture;
}

// max |a - b| / max |b|: the error relative to the reference's scale.
inline double relative_error(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return INFINITY;
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double diff = std::abs(static_cast<double>(a[i]) - b[i]);
    if (std::isnan(diff)) return INFINITY;
    max_diff = std::max(max_diff, diff);
    max_ref = std::max(max_ref, std::abs(static_cast<double>(b[i])));
  }
  return max_ref > 0 ? max_diff / max_ref : max_diff;
}

}  // namespace earshot::model::testing
