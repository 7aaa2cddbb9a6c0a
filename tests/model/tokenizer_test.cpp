#include "model/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/model/tokenizer_fixture.h"

namespace earshot::model {
namespace {

std::vector<std::string> pieces(const Tokenizer& tok, const std::vector<TokenId>& ids) {
  std::vector<std::string> out;
  for (TokenId id : ids) out.emplace_back(tok.piece(id));
  return out;
}

bool has_special_text(const std::string& text) {
  for (std::string_view name : {"<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<|turn>", "<turn|>",
                                "<|audio>", "<|audio|>", "<audio|>"}) {
    if (text.find(name) != std::string::npos) return true;
  }
  return false;
}

// A hand-made vocabulary: specials, a few bytes, characters and merges.
TokenizerVocab tiny_vocab() {
  TokenizerVocab vocab;
  vocab.tokens = {"<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "<0x0A>", "<0xC3>",
                  "<0xA9>", "a", "b", "ab", "ba", "aba", "\xE2\x96\x81", "\xE2\x96\x81" "a"};
  vocab.token_types = {3, 3, 3, 2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 1, 1};
  vocab.merges = {"b a", "a b", "ab a", "\xE2\x96\x81 a"};
  return vocab;
}

TEST(Tokenizer, EncodesLikeThePythonTrainerOnTheFixture) {
  const Tokenizer tok = load_fixture_tokenizer();
  const nlohmann::json cases = load_fixture_cases();
  size_t n_checked = 0;
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    const std::vector<TokenId> expected = c.at("ids").get<std::vector<TokenId>>();
    EXPECT_EQ(tok.encode(text), expected) << "text: " << nlohmann::json(text).dump();
    ++n_checked;
  }
  EXPECT_GT(n_checked, 300u);
}

TEST(Tokenizer, DecodeRoundTripsTheFixtureTexts) {
  const Tokenizer tok = load_fixture_tokenizer();
  const nlohmann::json cases = load_fixture_cases();
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    if (has_special_text(text) || text.find("\xE2\x96\x81") != std::string::npos) continue;
    EXPECT_EQ(tok.decode(tok.encode(text)), text);
  }
}

TEST(Tokenizer, FallsBackToBytesOutsideTheVocabulary) {
  const Tokenizer tok = load_fixture_tokenizer();
  const std::vector<TokenId> ids = tok.encode("\xC3\xA9");  // é
  EXPECT_EQ(pieces(tok, ids), (std::vector<std::string>{"<0xC3>", "<0xA9>"}));
  for (const std::string& text :
       std::vector<std::string>{"\xC3\xB1", "\xF0\x9F\x8E\x89", std::string("\x00\x01\x7F", 3)}) {
    const std::vector<TokenId> bytes = tok.encode(text);
    ASSERT_EQ(bytes.size(), text.size());
    for (TokenId id : bytes) EXPECT_EQ(tok.type(id), TokenType::kByte);
    EXPECT_EQ(tok.decode(bytes), text);
  }
}

TEST(Tokenizer, RecognisesSpecialTokensWrittenInTheText) {
  const Tokenizer tok = load_fixture_tokenizer();
  const std::vector<TokenId> ids = tok.encode("<|turn><|audio|><|audio><audio|><turn|>");
  EXPECT_EQ(ids, (std::vector<TokenId>{tok.id_of("<|turn>"), tok.id_of("<|audio|>"),
                                       tok.id_of("<|audio>"), tok.id_of("<audio|>"),
                                       tok.id_of("<turn|>")}));
  EXPECT_EQ(tok.decode(ids), "");
  EXPECT_TRUE(tok.is_control(tok.id_of("<|turn>")));
  EXPECT_FALSE(tok.is_control(tok.encode("A").at(0)));
}

TEST(Tokenizer, SpecialIdsAreFixed) {
  const Tokenizer tok = load_fixture_tokenizer();
  EXPECT_EQ(tok.id_of("<pad>"), 0);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.id_of("<unk>"), 3);
  EXPECT_EQ(tok.type(3), TokenType::kUnknown);
}

TEST(Tokenizer, EmptyInput) {
  const Tokenizer tok = load_fixture_tokenizer();
  EXPECT_TRUE(tok.encode("").empty());
  EXPECT_EQ(tok.encode("", /*add_bos=*/true), std::vector<TokenId>{tok.bos_id()});
  EXPECT_EQ(tok.decode({}), "");
}

TEST(Tokenizer, MergesLowestRankFirstThenLeftmost) {
  const Tokenizer tok(tiny_vocab());
  EXPECT_EQ(pieces(tok, tok.encode("aba")), (std::vector<std::string>{"a", "ba"}));
  EXPECT_EQ(pieces(tok, tok.encode("abab")), (std::vector<std::string>{"a", "ba", "b"}));
  EXPECT_EQ(pieces(tok, tok.encode("ab ab")),
            (std::vector<std::string>{"ab", "\xE2\x96\x81", "ab"}));
  EXPECT_EQ(pieces(tok, tok.encode("a\n\nb")),
            (std::vector<std::string>{"a", "<0x0A>", "<0x0A>", "b"}));
  // A byte with no token of its own is dropped, as llama.cpp does.
  EXPECT_EQ(pieces(tok, tok.encode("z")), std::vector<std::string>{});
}

TEST(Tokenizer, NeverFailsOnInvalidUtf8) {
  const Tokenizer tok = load_fixture_tokenizer();
  const std::string broken("\xFF\xC3(\xE2\x82\xF0\x9F\x8E", 8);
  const std::vector<TokenId> ids = tok.encode(broken);
  EXPECT_EQ(ids.size(), broken.size());
  EXPECT_EQ(tok.decode(ids), "\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(tok.decode(std::vector<TokenId>{-5, 1 << 30}), "");
}

TEST(Tokenizer, PieceDecoderHoldsBackPartialCharacters) {
  const Tokenizer tok = load_fixture_tokenizer();
  PieceDecoder stream(tok);
  const std::vector<TokenId> ids = tok.encode("A \xF0\x9F\x8E\x89 B");
  std::string text;
  std::vector<std::string> emitted;
  for (TokenId id : ids) {
    emitted.push_back(stream.decode_piece(id));
    text += emitted.back();
  }
  text += stream.flush();
  EXPECT_EQ(text, "A \xF0\x9F\x8E\x89 B");
  // The four byte tokens of the emoji give "", "", "" and then the whole character.
  EXPECT_NE(std::find(emitted.begin(), emitted.end(), "\xF0\x9F\x8E\x89"), emitted.end());
}

TEST(Tokenizer, PieceDecoderFlushesATruncatedCharacter) {
  const Tokenizer tok = load_fixture_tokenizer();
  PieceDecoder stream(tok);
  EXPECT_EQ(stream.decode_piece(tok.id_of("<0xC3>")), "");
  EXPECT_TRUE(stream.has_pending());
  EXPECT_EQ(stream.decode_piece(tok.id_of("<0x41>")), "\xEF\xBF\xBD" "A");
  EXPECT_EQ(stream.decode_piece(tok.id_of("<0xE2>")), "");
  EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");
  EXPECT_FALSE(stream.has_pending());
}

TEST(Tokenizer, IdOfNamesAMissingToken) {
  const Tokenizer tok(tiny_vocab());
  try {
    tok.id_of("<|audio>");
    FAIL() << "expected TokenizerError";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("<|audio>"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tok.find("<|audio>"), -1);
}

TEST(Tokenizer, RejectsBrokenVocabularies) {
  TokenizerVocab duplicate = tiny_vocab();
  duplicate.tokens[10] = "a";
  EXPECT_THROW(Tokenizer{duplicate}, TokenizerError);

  TokenizerVocab bad_merge = tiny_vocab();
  bad_merge.merges.push_back("ab");
  EXPECT_THROW(Tokenizer{bad_merge}, TokenizerError);

  TokenizerVocab short_types = tiny_vocab();
  short_types.token_types.pop_back();
  EXPECT_THROW(Tokenizer{short_types}, TokenizerError);

  TokenizerVocab no_bos = tiny_vocab();
  no_bos.tokens[2] = "<s>";
  EXPECT_THROW(Tokenizer{no_bos}, TokenizerError);
}

}  // namespace
}  // namespace earshot::model
