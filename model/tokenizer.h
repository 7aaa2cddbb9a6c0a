// The text tokenizer of a `tokenizer.ggml.model = "gemma4"` vocabulary: a
// SentencePiece-style BPE run the way llama.cpp runs it, token for token
// (training/tokenizer.py is the same algorithm in Python and trains the
// vocabularies earshot ships).
//
//   Tokenizer tok(vocab);                        // throws TokenizerError on a bad vocabulary
//   std::vector<TokenId> ids = tok.encode("<|turn>user\nHELLO", /*add_bos=*/true);
//   std::string text = tok.decode(ids);          // "user\nHELLO": control tokens give no text
//   PieceDecoder stream(tok);                    // per output stream
//   for (TokenId id : generated) publish(stream.decode_piece(id));
//
// Encoding: special tokens (control, user-defined, unknown) written literally
// in the text become single ids; the rest has its spaces written as U+2581,
// is split into runs of non-newlines and runs of newlines, and each run is
// merged by BPE rank (lowest rank first, leftmost on ties) starting from its
// UTF-8 characters; a final piece that is not a token falls back to its bytes
// as "<0xXX>" tokens. No space is added in front of the text.
//
// encode, decode and decode_piece never throw on any input and never crash.
// Thread contract: a Tokenizer is immutable after construction and safe to
// share between threads; a PieceDecoder belongs to one thread (one stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace earshot::model {

using TokenId = int32_t;

// llama.cpp's `tokenizer.ggml.token_type` values.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// A vocabulary as the GGUF stores it. Empty token_types or scores mean
// "all normal" and "all zero", as llama.cpp reads a file without them.
struct TokenizerVocab {
  std::vector<std::string> tokens;       // tokenizer.ggml.tokens
  std::vector<int32_t> token_types;      // tokenizer.ggml.token_type
  std::vector<float> scores;             // tokenizer.ggml.scores
  std::vector<std::string> merges;       // tokenizer.ggml.merges, "left right", rank = index
  TokenId bos_id = -1;                   // tokenizer.ggml.bos_token_id; -1: the "<bos>" token
  TokenId eos_id = -1;                   // tokenizer.ggml.eos_token_id; -1: the "<eos>" token
};

class GgufFile;

// A vocabulary that cannot be used, or a special token that is missing.
class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Names of the special tokens earshot uses, as Gemma 4 spells them.
inline constexpr std::string_view kPadToken = "<pad>";
inline constexpr std::string_view kEosToken = "<eos>";
inline constexpr std::string_view kBosToken = "<bos>";
inline constexpr std::string_view kUnknownToken = "<unk>";
inline constexpr std::string_view kTurnBeginToken = "<|turn>";
inline constexpr std::string_view kTurnEndToken = "<turn|>";
inline constexpr std::string_view kAudioBeginToken = "<|audio>";
inline constexpr std::string_view kAudioPlaceholderToken = "<|audio|>";
inline constexpr std::string_view kAudioEndToken = "<audio|>";

class Tokenizer {
 public:
  // Throws TokenizerError naming the problem: sizes that disagree, a
  // duplicate token, a merge without a space, no BOS/EOS token.
  explicit Tokenizer(TokenizerVocab vocab);

  // The tokenizer.ggml.* keys of a text model's GGUF. Throws TokenizerError
  // (or GgufError for a malformed key) naming the file and the key.
  static Tokenizer from_gguf(const GgufFile& file);

  std::vector<TokenId> encode(std::string_view text, bool add_bos = false) const;

  // UTF-8 text of the ids: control, unknown and unused tokens give nothing,
  // byte tokens their byte, "▁" becomes a space; ids out of range are
  // skipped; bytes that do not form valid UTF-8 become U+FFFD.
  std::string decode(std::span<const TokenId> ids) const;

  // The bytes one token adds to decoded text, possibly part of a UTF-8
  // character ("" for control, unknown, unused and out-of-range ids).
  std::string_view piece_bytes(TokenId id) const;

  // The token's text as stored in the vocabulary ("" when out of range).
  std::string_view piece(TokenId id) const;

  // The id of a token text; throws TokenizerError when the vocabulary has none.
  TokenId id_of(std::string_view piece) const;
  // The id of a token text, or -1.
  TokenId find(std::string_view piece) const;

  TokenType type(TokenId id) const;
  bool is_control(TokenId id) const { return type(id) == TokenType::kControl; }
  float score(TokenId id) const;

  size_t n_tokens() const { return tokens_.size(); }
  size_t n_merges() const { return n_merges_; }
  TokenId bos_id() const { return bos_id_; }
  TokenId eos_id() const { return eos_id_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using IdMap = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

  struct Fragment {
    TokenId special = -1;  // a special token, or -1 for raw text [begin, end)
    size_t begin = 0;
    size_t end = 0;
  };

  std::vector<Fragment> split_special(std::string_view text) const;
  void encode_run(std::string_view run, std::vector<TokenId>& out) const;
  void emit_piece(std::string_view piece, std::vector<TokenId>& out) const;
  int32_t merge_rank(std::string_view left, std::string_view right, std::string& key) const;

  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::vector<float> scores_;
  std::vector<std::string> decoded_;     // piece_bytes of every token
  IdMap id_of_;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> merge_rank_;
  size_t n_merges_ = 0;
  std::vector<TokenId> specials_;        // matched in this order: longest text first
  TokenId byte_ids_[256];                // "<0xXX>" tokens, -1 where missing
  TokenId bos_id_ = -1;
  TokenId eos_id_ = -1;
};

// Turns generated ids into text as they come, holding back the bytes of a
// UTF-8 character that is not complete yet (byte tokens split characters).
// Invalid bytes come out as U+FFFD.
class PieceDecoder {
 public:
  explicit PieceDecoder(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}

  // The text that is complete after this token (possibly "").
  std::string decode_piece(TokenId id);
  // Whatever is held back, as U+FFFD; the decoder is then empty.
  std::string flush();
  bool has_pending() const { return !pending_.empty(); }

 private:
  const Tokenizer* tokenizer_;
  std::string pending_;  // an incomplete UTF-8 character, at most 3 bytes
};

}  // namespace earshot::model
