#include "model/word_lm.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include <zlib.h>

namespace earshot::model {
namespace {

constexpr int kIdBits = 21;
constexpr uint64_t kIdMask = (uint64_t{1} << kIdBits) - 1;
constexpr double kLn10 = 2.302585092994046;
// ln P of a word when the file has no <unk>: about as rare as anything it lists.
constexpr float kMissingUnkLog10 = -7.0F;

uint64_t pack(std::span<const int32_t> ids) {
  uint64_t key = 0;
  for (const int32_t id : ids) key = (key << kIdBits) | (static_cast<uint64_t>(id) & kIdMask);
  return key;
}

// Splits a line at spaces and tabs.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

// Reads the ARPA text line by line, keeping the position for errors.
class ArpaReader {
 public:
  ArpaReader(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  bool next(std::string_view* line) {
    while (pos_ < text_.size()) {
      size_t end = text_.find('\n', pos_);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view l = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      ++line_no_;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (l.find_first_not_of(" \t") == std::string_view::npos) continue;
      *line = l;
      return true;
    }
    return false;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw WordLmError(name_ + ":" + std::to_string(line_no_) + ": " + what);
  }

  float number(std::string_view field) const {
    float v = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec != std::errc() || end != field.data() + field.size() || !std::isfinite(v)) {
      fail("expected a number, found '" + std::string(field) + "'");
    }
    return v;
  }

 private:
  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
  int64_t line_no_ = 0;
};

// The whole of a gzip stream (several members, as `cat a.gz b.gz` makes, too).
std::string gunzip(const std::string& bytes, const std::string& path) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw WordLmError(path + ": cannot start gzip decompression");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  std::array<char, 1 << 16> chunk{};
  int status = Z_OK;
  while (status != Z_STREAM_END || z.avail_in > 0) {
    if (status == Z_STREAM_END) inflateReset(&z);
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&z, Z_NO_FLUSH);
    if (status == Z_BUF_ERROR) status = Z_OK;  // no progress: caught below as an early end
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&z);
      throw WordLmError(path + ": corrupt gzip data (" + (z.msg ? z.msg : "zlib error " + std::to_string(status)) + ")");
    }
    out.append(chunk.data(), chunk.size() - z.avail_out);
    if (status == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw WordLmError(path + ": the gzip data ends early");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace

WordLm WordLm::load_arpa(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WordLmError(path + ": cannot open the language model file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  const bool gzipped = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                       static_cast<unsigned char>(bytes[1]) == 0x8b;
  return parse_arpa(gzipped ? gunzip(bytes, path) : bytes, path);
}

WordLm WordLm::parse_arpa(std::string_view text, const std::string& name) {
  ArpaReader reader(text, name);
  std::string_view line;
  while (reader.next(&line) && line != "\\data\\") {
  }
  if (line != "\\data\\") reader.fail("no \\data\\ section: not an ARPA language model");

  std::vector<int64_t> counts;
  while (reader.next(&line) && line.starts_with("ngram ")) {
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) reader.fail("expected 'ngram N=count'");
    const int n = static_cast<int>(reader.number(line.substr(6, eq - 6)));
    if (n != static_cast<int>(counts.size()) + 1) reader.fail("n-gram orders must be listed 1, 2, 3 in turn");
    if (n > kMaxOrder) reader.fail("order " + std::to_string(n) + " is above the supported " + std::to_string(kMaxOrder));
    counts.push_back(static_cast<int64_t>(reader.number(line.substr(eq + 1))));
  }
  if (counts.empty()) reader.fail("the \\data\\ section lists no n-gram counts");

  WordLm lm;
  lm.order_ = static_cast<int>(counts.size());
  lm.orders_.resize(counts.size());
  for (int n = 1; n <= lm.order_; ++n) {
    if (line != "\\" + std::to_string(n) + "-grams:") reader.fail("expected \\" + std::to_string(n) + "-grams:");
    OrderTable& table = lm.orders_[static_cast<size_t>(n - 1)];
    std::vector<int32_t> ids(static_cast<size_t>(n));
    while (reader.next(&line) && !line.starts_with("\\")) {
      const std::vector<std::string_view> f = fields_of(line);
      if (f.size() != static_cast<size_t>(n) + 1 && f.size() != static_cast<size_t>(n) + 2) {
        reader.fail("a " + std::to_string(n) + "-gram line needs a probability, " + std::to_string(n) +
                    " words and an optional back-off");
      }
      for (int i = 0; i < n; ++i) {
        const std::string word(f[static_cast<size_t>(i) + 1]);
        if (n == 1) {
          if (lm.ids_.contains(word)) reader.fail("the word '" + word + "' is listed twice");
          if (lm.words_.size() > kIdMask) reader.fail("more words than the model can index");
          ids[0] = static_cast<int32_t>(lm.words_.size());
          lm.ids_.emplace(word, ids[0]);
          lm.words_.push_back(word);
        } else {
          const auto it = lm.ids_.find(word);
          if (it == lm.ids_.end()) reader.fail("the word '" + word + "' is not among the 1-grams");
          ids[static_cast<size_t>(i)] = it->second;
        }
      }
      table.keys.push_back(pack(ids));
      table.log_prob.push_back(static_cast<float>(reader.number(f[0]) * kLn10));
      table.backoff.push_back(f.size() > static_cast<size_t>(n) + 1 ? static_cast<float>(reader.number(f.back()) * kLn10) : 0.0F);
    }
    if (static_cast<int64_t>(table.keys.size()) != counts[static_cast<size_t>(n - 1)]) {
      reader.fail("the header promises " + std::to_string(counts[static_cast<size_t>(n - 1)]) + " " +
                  std::to_string(n) + "-grams, the section holds " + std::to_string(table.keys.size()));
    }
    // Sort the section by key, carrying its values along.
    std::vector<size_t> order(table.keys.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return table.keys[a] < table.keys[b]; });
    OrderTable sorted;
    sorted.keys.reserve(order.size());
    sorted.log_prob.reserve(order.size());
    sorted.backoff.reserve(order.size());
    for (const size_t i : order) {
      if (!sorted.keys.empty() && sorted.keys.back() == table.keys[i]) reader.fail("an n-gram is listed twice");
      sorted.keys.push_back(table.keys[i]);
      sorted.log_prob.push_back(table.log_prob[i]);
      sorted.backoff.push_back(table.backoff[i]);
    }
    table = std::move(sorted);
  }
  if (line != "\\end\\") reader.fail("expected \\end\\ after the last n-gram section");

  const auto id_or = [&lm](const char* word) {
    const auto it = lm.ids_.find(word);
    return it == lm.ids_.end() ? -1 : it->second;
  };
  lm.bos_id_ = id_or("<s>");
  lm.eos_id_ = id_or("</s>");
  if (lm.bos_id_ < 0 || lm.eos_id_ < 0) throw WordLmError(name + ": the model lacks the <s> or </s> word");
  lm.unk_id_ = id_or("<unk>");
  if (lm.unk_id_ < 0) {
    lm.unk_id_ = static_cast<int32_t>(lm.words_.size());
    lm.ids_.emplace("<unk>", lm.unk_id_);
    lm.words_.emplace_back("<unk>");
    OrderTable& unigrams = lm.orders_[0];
    const auto at = std::lower_bound(unigrams.keys.begin(), unigrams.keys.end(), uint64_t(lm.unk_id_)) - unigrams.keys.begin();
    unigrams.keys.insert(unigrams.keys.begin() + at, uint64_t(lm.unk_id_));
    unigrams.log_prob.insert(unigrams.log_prob.begin() + at, static_cast<float>(kMissingUnkLog10 * kLn10));
    unigrams.backoff.insert(unigrams.backoff.begin() + at, 0.0F);
  }
  for (const std::string& w : lm.words_) {
    if (w != "<s>" && w != "</s>" && w != "<unk>") lm.sorted_words_.push_back(w);
  }
  std::sort(lm.sorted_words_.begin(), lm.sorted_words_.end());
  return lm;
}

int32_t WordLm::word_id(std::string_view word) const {
  const auto it = ids_.find(std::string(word));
  return it == ids_.end() ? unk_id_ : it->second;
}

int64_t WordLm::find(int order, uint64_t key) const {
  const std::vector<uint64_t>& keys = orders_[static_cast<size_t>(order - 1)].keys;
  const auto it = std::lower_bound(keys.begin(), keys.end(), key);
  return it != keys.end() && *it == key ? it - keys.begin() : -1;
}

double WordLm::log_prob(std::span<const int32_t> context, int32_t word) const {
  if (context.size() > static_cast<size_t>(order_ - 1)) context = context.last(static_cast<size_t>(order_ - 1));
  double backoff = 0;
  // Longest n-gram first; each miss adds its context's back-off weight.
  for (size_t n_ctx = context.size();; --n_ctx) {
    const std::span<const int32_t> ctx = context.last(n_ctx);
    std::array<int32_t, kMaxOrder> ids{};
    std::copy(ctx.begin(), ctx.end(), ids.begin());
    ids[n_ctx] = word;
    const int n = static_cast<int>(n_ctx) + 1;
    if (const int64_t i = find(n, pack(std::span<const int32_t>(ids.data(), n_ctx + 1))); i >= 0) {
      return backoff + orders_[static_cast<size_t>(n - 1)].log_prob[static_cast<size_t>(i)];
    }
    if (n_ctx == 0) return backoff + log_prob({}, unk_id_);
    if (const int64_t c = find(static_cast<int>(n_ctx), pack(ctx)); c >= 0) {
      backoff += orders_[n_ctx - 1].backoff[static_cast<size_t>(c)];
    }
  }
}

bool WordLm::has_prefix(std::string_view prefix) const {
  const auto it = std::lower_bound(sorted_words_.begin(), sorted_words_.end(), prefix,
                                   [](const std::string& w, std::string_view p) { return std::string_view(w) < p; });
  return it != sorted_words_.end() && std::string_view(*it).starts_with(prefix);
}

}  // namespace earshot::model
