// The tokenizer fixtures written by training/test_tokenizer.py --write-fixtures:
// a small vocabulary trained on a slice of the transcripts, and the ids the
// Python tokenizer gives for a few hundred texts and prompts.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "model/tokenizer.h"

namespace earshot::model {

inline nlohmann::json read_fixture_json(const std::string& name) {
  const std::string path = std::string(EARSHOT_SOURCE_DIR) + "/tests/model/data/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(in);
}

inline Tokenizer load_fixture_tokenizer() {
  const nlohmann::json data = read_fixture_json("tokenizer_small.json");
  TokenizerVocab vocab;
  vocab.tokens = data.at("tokens").get<std::vector<std::string>>();
  vocab.token_types = data.at("token_types").get<std::vector<int32_t>>();
  vocab.scores = data.at("scores").get<std::vector<float>>();
  vocab.merges = data.at("merges").get<std::vector<std::string>>();
  return Tokenizer(std::move(vocab));
}

inline nlohmann::json load_fixture_cases() { return read_fixture_json("tokenizer_cases.json"); }

}  // namespace earshot::model
