#include "model/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <queue>
#include <utility>

namespace earshot::model {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Bytes of the character a lead byte starts, as llama.cpp splits text into
// symbols (a stray continuation byte counts as one).
size_t symbol_length(unsigned char lead) {
  static constexpr size_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

enum class Utf8Status { kComplete, kInvalid, kIncomplete };

struct Utf8Scan {
  Utf8Status status;
  size_t n_bytes;  // complete: the character; invalid: the maximal subpart to replace
};

// Reads one UTF-8 character at text[pos] (Unicode's well-formed byte ranges;
// an invalid sequence is replaced by maximal subparts, as Python does).
Utf8Scan scan_utf8(std::string_view text, size_t pos) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[pos + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {Utf8Status::kComplete, 1};
  size_t n_needed = 0;
  unsigned char second_lo = 0x80, second_hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n_needed = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n_needed = 3;
    if (lead == 0xE0) second_lo = 0xA0;
    if (lead == 0xED) second_hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n_needed = 4;
    if (lead == 0xF0) second_lo = 0x90;
    if (lead == 0xF4) second_hi = 0x8F;
  } else {
    return {Utf8Status::kInvalid, 1};
  }
  for (size_t k = 1; k < n_needed; ++k) {
    if (pos + k >= text.size()) return {Utf8Status::kIncomplete, k};
    const unsigned char lo = k == 1 ? second_lo : 0x80;
    const unsigned char hi = k == 1 ? second_hi : 0xBF;
    if (byte(k) < lo || byte(k) > hi) return {Utf8Status::kInvalid, k};
  }
  return {Utf8Status::kComplete, n_needed};
}

// Appends text to out with every invalid or truncated sequence as U+FFFD.
void append_valid_utf8(std::string_view text, std::string& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    const Utf8Scan scan = scan_utf8(text, pos);
    if (scan.status == Utf8Status::kComplete) {
      out.append(text.substr(pos, scan.n_bytes));
    } else {
      out.append(kReplacementChar);
    }
    pos += scan.n_bytes;
  }
}

std::string escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == ' ') {
      out.append(kSpaceMark);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    if (text.substr(pos, kSpaceMark.size()) == kSpaceMark) {
      out.push_back(' ');
      pos += kSpaceMark.size();
    } else {
      out.push_back(text[pos++]);
    }
  }
  return out;
}

std::string byte_token_text(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "<0x%02X>", value & 0xFFu);
  return text;
}

// The byte a "<0xXX>" token stands for, or -1 when the text is not of that form.
int byte_token_value(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else {
      return -1;
    }
  }
  return value;
}

// The merge table's key of a pair: the left length, then both texts, so that
// no two pairs share a key whatever bytes the pieces hold.
void make_pair_key(std::string_view left, std::string_view right, std::string& key) {
  const uint32_t n_left = static_cast<uint32_t>(left.size());
  key.assign(reinterpret_cast<const char*>(&n_left), sizeof n_left);
  key.append(left);
  key.append(right);
}

bool is_special_type(TokenType type) {
  return type == TokenType::kControl || type == TokenType::kUserDefined ||
         type == TokenType::kUnknown;
}

}  // namespace

Tokenizer::Tokenizer(TokenizerVocab vocab) : tokens_(std::move(vocab.tokens)) {
  const size_t n = tokens_.size();
  if (n == 0) throw TokenizerError("tokenizer: the vocabulary has no tokens");
  if (!vocab.token_types.empty() && vocab.token_types.size() != n) {
    throw TokenizerError("tokenizer: " + std::to_string(n) + " tokens but " +
                         std::to_string(vocab.token_types.size()) + " token types");
  }
  if (!vocab.scores.empty() && vocab.scores.size() != n) {
    throw TokenizerError("tokenizer: " + std::to_string(n) + " tokens but " +
                         std::to_string(vocab.scores.size()) + " scores");
  }
  types_.assign(n, TokenType::kNormal);
  for (size_t i = 0; i < vocab.token_types.size(); ++i) {
    const int32_t t = vocab.token_types[i];
    types_[i] = (t >= 0 && t <= 6) ? static_cast<TokenType>(t) : TokenType::kUndefined;
  }
  scores_ = vocab.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(vocab.scores);

  id_of_.reserve(n * 2);
  decoded_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::string& text = tokens_[i];
    if (text.empty()) text = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp names them
    const auto [where, inserted] = id_of_.emplace(text, static_cast<TokenId>(i));
    if (!inserted) {
      throw TokenizerError("tokenizer: duplicate token '" + text + "' at ids " +
                           std::to_string(where->second) + " and " + std::to_string(i));
    }
    switch (types_[i]) {
      case TokenType::kNormal:
        decoded_[i] = unescape_spaces(text);
        break;
      case TokenType::kUserDefined:
        decoded_[i] = text;
        break;
      case TokenType::kByte: {
        const int value = byte_token_value(text);
        if (value >= 0) decoded_[i] = std::string(1, static_cast<char>(value));
        break;
      }
      default:
        break;  // control, unknown, unused, undefined: no text
    }
  }

  std::string key;
  merge_rank_.reserve(vocab.merges.size() * 2);
  for (size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const std::string& merge = vocab.merges[rank];
    const size_t cut = merge.find(' ', 1);
    if (cut == std::string::npos) {
      throw TokenizerError("tokenizer: merge " + std::to_string(rank) + " '" + merge +
                           "' is not two pieces separated by a space");
    }
    make_pair_key(std::string_view(merge).substr(0, cut), std::string_view(merge).substr(cut + 1),
                  key);
    merge_rank_.emplace(key, static_cast<int32_t>(rank));
  }
  n_merges_ = vocab.merges.size();

  for (unsigned b = 0; b < 256; ++b) byte_ids_[b] = find(byte_token_text(b));

  for (size_t i = 0; i < n; ++i) {
    if (is_special_type(types_[i])) specials_.push_back(static_cast<TokenId>(i));
  }
  std::stable_sort(specials_.begin(), specials_.end(), [&](TokenId a, TokenId b) {
    return tokens_[a].size() > tokens_[b].size();
  });

  const auto special_id = [&](TokenId given, std::string_view name, const char* what) {
    if (given < 0) return id_of(name);
    if (static_cast<size_t>(given) >= n) {
      throw TokenizerError(std::string("tokenizer: ") + what + " id " + std::to_string(given) +
                           " is outside the vocabulary of " + std::to_string(n) + " tokens");
    }
    return given;
  };
  bos_id_ = special_id(vocab.bos_id, kBosToken, "BOS");
  eos_id_ = special_id(vocab.eos_id, kEosToken, "EOS");
}

TokenId Tokenizer::find(std::string_view piece) const {
  const auto it = id_of_.find(piece);
  return it == id_of_.end() ? -1 : it->second;
}

TokenId Tokenizer::id_of(std::string_view piece) const {
  const TokenId id = find(piece);
  if (id < 0) {
    throw TokenizerError("tokenizer: no token '" + std::string(piece) + "' in the vocabulary of " +
                         std::to_string(tokens_.size()) + " tokens");
  }
  return id;
}

std::string_view Tokenizer::piece(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return {};
  return tokens_[id];
}

std::string_view Tokenizer::piece_bytes(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= decoded_.size()) return {};
  return decoded_[id];
}

TokenType Tokenizer::type(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= types_.size()) return TokenType::kUndefined;
  return types_[id];
}

float Tokenizer::score(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= scores_.size()) return 0.0f;
  return scores_[id];
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<TokenId> out;
  out.reserve(text.size() / 2 + 2);
  if (add_bos) out.push_back(bos_id_);
  for (const Fragment& fragment : split_special(text)) {
    if (fragment.special >= 0) {
      out.push_back(fragment.special);
      continue;
    }
    const std::string escaped = escape_spaces(text.substr(fragment.begin, fragment.end - fragment.begin));
    size_t start = 0;
    while (start < escaped.size()) {
      const bool is_newline = escaped[start] == '\n';
      size_t end = start;
      while (end < escaped.size() && (escaped[end] == '\n') == is_newline) ++end;
      const std::string_view run(escaped.data() + start, end - start);
      start = end;
      if (is_newline) {
        const TokenId whole = find(run);
        if (whole >= 0) {
          out.push_back(whole);
          continue;
        }
      }
      encode_run(run, out);
    }
  }
  return out;
}

std::vector<Tokenizer::Fragment> Tokenizer::split_special(std::string_view text) const {
  std::vector<Fragment> fragments;
  if (!text.empty()) fragments.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  for (const TokenId special : specials_) {
    const std::string& needle = tokens_[special];
    next.clear();
    bool found_any = false;
    for (const Fragment& fragment : fragments) {
      if (fragment.special >= 0) {
        next.push_back(fragment);
        continue;
      }
      const std::string_view window = text.substr(0, fragment.end);
      size_t cursor = fragment.begin;
      for (size_t match = window.find(needle, cursor); match != std::string_view::npos;
           match = window.find(needle, cursor)) {
        found_any = true;
        if (match > cursor) next.push_back({-1, cursor, match});
        next.push_back({special, match, match + needle.size()});
        cursor = match + needle.size();
      }
      if (cursor < fragment.end) next.push_back({-1, cursor, fragment.end});
    }
    if (found_any) fragments.swap(next);
  }
  return fragments;
}

int32_t Tokenizer::merge_rank(std::string_view left, std::string_view right,
                              std::string& key) const {
  make_pair_key(left, right, key);
  const auto it = merge_rank_.find(std::string_view(key));
  return it == merge_rank_.end() ? -1 : it->second;
}

void Tokenizer::encode_run(std::string_view run, std::vector<TokenId>& out) const {
  struct Symbol {
    size_t begin;
    size_t n_bytes;  // 0 once merged into its left neighbour
    int prev;
    int next;
  };
  struct Candidate {
    int32_t rank;
    int left;
    int right;
    size_t n_bytes;  // both symbols together when the candidate was made
  };
  // Lowest rank first, then leftmost.
  const auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  };

  std::vector<Symbol> symbols;
  symbols.reserve(run.size());
  for (size_t pos = 0; pos < run.size();) {
    const size_t n_bytes = std::min(symbol_length(static_cast<unsigned char>(run[pos])), run.size() - pos);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({pos, n_bytes, index - 1, pos + n_bytes < run.size() ? index + 1 : -1});
    pos += n_bytes;
  }

  std::string key;
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    const int32_t rank = merge_rank(run.substr(l.begin, l.n_bytes), run.substr(r.begin, r.n_bytes), key);
    if (rank >= 0) queue.push({rank, left, right, l.n_bytes + r.n_bytes});
  };
  for (size_t i = 1; i < symbols.size(); ++i) consider(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    const Candidate candidate = queue.top();
    queue.pop();
    Symbol& left = symbols[candidate.left];
    Symbol& right = symbols[candidate.right];
    // Stale when either side was merged away or grew since it was queued.
    if (left.n_bytes == 0 || right.n_bytes == 0 || left.next != candidate.right ||
        left.n_bytes + right.n_bytes != candidate.n_bytes) {
      continue;
    }
    left.n_bytes += right.n_bytes;
    right.n_bytes = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = candidate.left;
    consider(left.prev, candidate.left);
    consider(candidate.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    emit_piece(run.substr(symbols[i].begin, symbols[i].n_bytes), out);
  }
}

void Tokenizer::emit_piece(std::string_view piece, std::vector<TokenId>& out) const {
  const TokenId id = find(piece);
  if (id >= 0) {
    out.push_back(id);
    return;
  }
  for (const char c : piece) {
    const TokenId byte_id = byte_ids_[static_cast<unsigned char>(c)];
    if (byte_id >= 0) out.push_back(byte_id);
  }
}

std::string Tokenizer::decode(std::span<const TokenId> ids) const {
  std::string bytes;
  for (const TokenId id : ids) bytes.append(piece_bytes(id));
  std::string text;
  text.reserve(bytes.size());
  append_valid_utf8(bytes, text);
  return text;
}

std::string PieceDecoder::decode_piece(TokenId id) {
  pending_.append(tokenizer_->piece_bytes(id));
  std::string text;
  size_t pos = 0;
  while (pos < pending_.size()) {
    const Utf8Scan scan = scan_utf8(pending_, pos);
    if (scan.status == Utf8Status::kIncomplete) break;
    if (scan.status == Utf8Status::kComplete) {
      text.append(pending_, pos, scan.n_bytes);
    } else {
      text.append(kReplacementChar);
    }
    pos += scan.n_bytes;
  }
  pending_.erase(0, pos);
  return text;
}

std::string PieceDecoder::flush() {
  std::string text;
  append_valid_utf8(pending_, text);
  pending_.clear();
  return text;
}

}  // namespace earshot::model
