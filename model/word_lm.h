// A word n-gram language model (orders 1-3) read from an ARPA file: the
// external language model that beam search fuses with the speech model's own
// scores (model/lm_fusion.h).
//
//   WordLm lm = WordLm::load_arpa("words-3gram.arpa");   // or .arpa.gz; throws WordLmError
//   const int32_t w = lm.word_id("pleasant");            // lm.unk_id() when unknown
//   double ln_p = lm.log_prob({lm.bos_id(), lm.word_id("how")}, w);
//   bool maybe = lm.has_prefix("pleas");                 // some word starts so
//
// Storage: per order, the n-grams' packed word ids (21 bits a word) sorted,
// with their log probabilities and back-off weights beside them; a lookup is
// a binary search. About 16 bytes an n-gram.
//
// Scores: natural logarithms (ARPA stores log10). An n-gram missing from the
// file backs off in the usual way: log P(w | a b) = bow(a b) + log P(w | b).
//
// Thread contract: immutable after loading; share it between threads.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace earshot::model {

class WordLmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WordLm {
 public:
  static constexpr int kMaxOrder = 3;

  // Plain or gzip-compressed ARPA (told apart by the gzip magic bytes).
  // Throws WordLmError naming the file and line of anything it cannot read.
  static WordLm load_arpa(const std::string& path);
  // The same from ARPA text in memory (tests); `name` appears in errors.
  static WordLm parse_arpa(std::string_view text, const std::string& name);

  int order() const { return order_; }
  size_t n_words() const { return words_.size(); }
  size_t n_ngrams(int order) const { return orders_[static_cast<size_t>(order - 1)].keys.size(); }

  int32_t word_id(std::string_view word) const;  // unk_id() when not in the vocabulary
  bool known(std::string_view word) const { return word_id(word) != unk_id_; }
  int32_t bos_id() const { return bos_id_; }
  int32_t eos_id() const { return eos_id_; }
  int32_t unk_id() const { return unk_id_; }

  // ln P(word | context): context holds the preceding word ids, oldest first
  // (only the last order() - 1 count).
  double log_prob(std::span<const int32_t> context, int32_t word) const;

  // Whether some word of the vocabulary (other than the markers) starts with
  // `prefix`; true for "".
  bool has_prefix(std::string_view prefix) const;

 private:
  struct OrderTable {
    std::vector<uint64_t> keys;    // packed ids, sorted
    std::vector<float> log_prob;   // natural log
    std::vector<float> backoff;    // natural log
  };

  WordLm() = default;
  // Index of the packed n-gram in its order's table, or -1.
  int64_t find(int order, uint64_t key) const;

  int order_ = 0;
  std::vector<std::string> words_;             // by id
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<std::string> sorted_words_;      // for has_prefix
  std::vector<OrderTable> orders_;
  int32_t bos_id_ = -1;
  int32_t eos_id_ = -1;
  int32_t unk_id_ = -1;
};

}  // namespace earshot::model
