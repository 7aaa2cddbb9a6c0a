#include "model/prompt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/model/tokenizer_fixture.h"

namespace earshot::model {
namespace {

std::vector<TokenId> concat(std::initializer_list<std::vector<TokenId>> parts) {
  std::vector<TokenId> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

TEST(Prompt, TranscriptionLayoutTokenByToken) {
  const Tokenizer tok = load_fixture_tokenizer();
  const std::string instruction = transcription_instruction("English");
  const AudioPrompt prompt = build_audio_prompt(tok, instruction, 4);

  const TokenId audio = tok.id_of("<|audio|>");
  const std::vector<TokenId> expected = concat({
      {tok.bos_id(), tok.id_of("<|turn>")},
      tok.encode("user\n"),
      tok.encode(instruction),
      {tok.id_of("<|audio>"), audio, audio, audio, audio, tok.id_of("<audio|>"), tok.id_of("<turn|>")},
      tok.encode("\n"),
      {tok.id_of("<|turn>")},
      tok.encode("model\n"),
  });
  EXPECT_EQ(prompt.ids, expected);
  ASSERT_EQ(prompt.audio_end - prompt.audio_begin, 4u);
  for (size_t i = prompt.audio_begin; i < prompt.audio_end; ++i) EXPECT_EQ(prompt.ids[i], audio);
  EXPECT_EQ(prompt.ids[prompt.audio_begin - 1], tok.id_of("<|audio>"));
  EXPECT_EQ(prompt.ids[prompt.audio_end], tok.id_of("<audio|>"));
}

TEST(Prompt, EqualsTheRenderedChatTemplate) {
  const Tokenizer tok = load_fixture_tokenizer();
  const std::string text = transcription_instruction("English");
  const std::string audio = "<|audio><|audio|><|audio|><audio|>";
  EXPECT_EQ(build_audio_prompt(tok, text, 2, AudioPlacement::kAfterText).ids,
            tok.encode("<|turn>user\n" + text + audio + "<turn|>\n<|turn>model\n", true));
  EXPECT_EQ(build_audio_prompt(tok, text, 2, AudioPlacement::kBeforeText).ids,
            tok.encode("<|turn>user\n" + audio + text + "<turn|>\n<|turn>model\n", true));
}

TEST(Prompt, MatchesThePythonPromptBuilder) {
  const Tokenizer tok = load_fixture_tokenizer();
  const nlohmann::json cases = load_fixture_cases();
  ASSERT_FALSE(cases.at("prompts").empty());
  for (const auto& c : cases.at("prompts")) {
    const std::string placement = c.at("placement").get<std::string>();
    const AudioPrompt prompt = build_audio_prompt(
        tok, c.at("instruction").get<std::string>(), c.at("n_audio").get<size_t>(),
        placement == "audio_before_text" ? AudioPlacement::kBeforeText : AudioPlacement::kAfterText);
    EXPECT_EQ(prompt.ids, c.at("ids").get<std::vector<TokenId>>()) << placement;
    EXPECT_EQ(prompt.audio_begin, c.at("audio_begin").get<size_t>());
    EXPECT_EQ(prompt.audio_end, c.at("audio_end").get<size_t>());
  }
}

TEST(Prompt, InstructionsUseGemmasWording) {
  EXPECT_TRUE(transcription_instruction("Spanish").starts_with(
      "Transcribe the following speech segment in Spanish into Spanish text.\n"));
  EXPECT_NE(transcription_instruction("English").find("Only output the transcription, with no newlines."),
            std::string::npos);
  const std::string translate = translation_instruction("English", "Spanish");
  EXPECT_TRUE(translate.starts_with(
      "Transcribe the following speech segment in English, then translate it into Spanish.\n"));
  EXPECT_NE(translate.find("then output the string 'Spanish: '"), std::string::npos);
}

TEST(Prompt, NoAudioGivesAnEmptyRange) {
  const Tokenizer tok = load_fixture_tokenizer();
  const AudioPrompt prompt = build_audio_prompt(tok, "Say it.", 0);
  EXPECT_EQ(prompt.audio_begin, prompt.audio_end);
  EXPECT_EQ(prompt.ids[prompt.audio_begin - 1], tok.id_of("<|audio>"));
  EXPECT_EQ(prompt.ids[prompt.audio_end], tok.id_of("<audio|>"));
}

TEST(Prompt, MissingAudioTokensAreAStartUpError) {
  TokenizerVocab vocab;
  vocab.tokens = {"<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "a"};
  vocab.token_types = {3, 3, 3, 2, 3, 3, 1};
  const Tokenizer tok(std::move(vocab));
  EXPECT_THROW(build_audio_prompt(tok, "a", 1), TokenizerError);
}

}  // namespace
}  // namespace earshot::model
