"""Tests of training/tokenizer.py, and the writer of the fixtures that check the C++
tokenizer against it (tests/model/data/).

  /usr/bin/python3 training/test_tokenizer.py                 # run the tests
  /usr/bin/python3 training/test_tokenizer.py --write-fixtures  # rewrite tests/model/data/
"""
import json
import pathlib
import random
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import tokenizer as T  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
DATA = pathlib.Path("/work/shared/data")
FIXTURE_DIR = REPO / "tests" / "model" / "data"
FIXTURE_TOKENIZER = FIXTURE_DIR / "tokenizer_small.json"
FIXTURE_CASES = FIXTURE_DIR / "tokenizer_cases.json"

# A tiny corpus, so the tests run without the data sets.
TOY_LINES = [
    "THE CAT SAT ON THE MAT",
    "THE DOG SAT ON THE LOG",
    "A CAT AND A DOG",
    "THE THE THE",
    "ON AND ON",
] * 3

HAND_CASES = [
    "", " ", "  ", "\n", "\n\n", "\n\n\n", "A\n\nB", " LEADING", "TRAILING ", "DOUBLE  SPACE",
    "tabs\tand\r\nreturns", "THE CAT", "the cat", "The Cat Sat.", "Hello, world! How are you?",
    "señor niño ¿qué tal? ¡olé!", "café über naïve façade", "Ñandú ÁÉÍÓÚ áéíóú ü",
    "emoji 🎉👍🏽 done", "control \x00\x01\x07\x1b\x1f\x7f bytes", "中文 日本語 한국어",
    "1.7 and 3, 42%, $5.00, 2024-06-01", "<|turn>user\nHELLO<turn|>\n<|turn>model\n",
    "<bos><eos><pad><unk><mask>", "<|audio|><|audio><audio|><|audio|>", "A<|audio|>B",
    "<|aud", "<turn|", "<<|turn>>", "<0x41>", "▁ALREADY▁MARKED", "x" * 300,
    "THE" + " " * 10 + "END", "\u00a0no-break\u2009thin", "English: the translation",
]


def train_fixture_tokenizer():
    """A small vocabulary trained on a slice of the transcripts."""
    files = sorted(DATA.glob("librispeech-mini/train/**/*.trans.txt"))[:12]
    files += sorted(DATA.glob("an4/train/**/*.trans.txt"))[:20]
    lines = T.read_transcript_lines(files)
    lines += T.prompt_lines("English", "Spanish") * 5
    return T.train_bpe(lines, 420), lines


def fixture_cases(tok):
    held_out = sorted(DATA.glob("librispeech-mini/train/**/*.trans.txt"))[-6:]
    held_out += sorted(DATA.glob("arctic-kathleen/train/**/*.trans.txt"))[:2]
    lines = T.read_transcript_lines(held_out)
    rng = random.Random(7)
    rng.shuffle(lines)
    upper = lines[:200]
    lower = [line.lower() for line in lines[200:260]]
    title = [line.title() + rng.choice([".", "?", "!", ","]) for line in lines[260:300]]
    texts = HAND_CASES + upper + lower + title
    texts += [T.transcription_instruction("English"), T.translation_instruction("English", "Spanish")]
    cases = [{"text": text, "ids": tok.encode(text)} for text in texts]
    prompts = []
    for placement in (T.AUDIO_AFTER_TEXT, T.AUDIO_BEFORE_TEXT):
        for instruction, n_audio in ((T.transcription_instruction("English"), 5),
                                     (T.translation_instruction("English", "Spanish"), 0),
                                     ("  Say it.\n", 2)):
            p = T.build_audio_prompt(tok, instruction, n_audio, placement)
            prompts.append({"instruction": instruction, "n_audio": n_audio, "placement": placement,
                            "ids": p.ids, "audio_begin": p.audio_begin, "audio_end": p.audio_end})
    return {"cases": cases, "prompts": prompts}


def write_fixtures():
    tok, _ = train_fixture_tokenizer()
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    tok.save(FIXTURE_TOKENIZER)
    data = fixture_cases(tok)
    with open(FIXTURE_CASES, "w", encoding="utf-8") as f:
        for n, key in enumerate(("cases", "prompts")):
            f.write(("{" if n == 0 else ",\n") + json.dumps(key) + ": [\n")
            f.write(",\n".join(json.dumps(item, ensure_ascii=False) for item in data[key]))
            f.write("\n]")
        f.write("}\n")
    print(f"wrote {FIXTURE_TOKENIZER} ({len(tok)} tokens) and {FIXTURE_CASES}")


class TrainingTest(unittest.TestCase):
    def setUp(self):
        self.tok = T.train_bpe(TOY_LINES, 300)

    def test_fixed_ids_come_first(self):
        for i, (name, kind) in enumerate(T.SPECIAL_TOKENS):
            self.assertEqual(self.tok.id(name), i)
            self.assertEqual(self.tok.token_types[i], kind)
        self.assertEqual([self.tok.id(n) for n in ("<pad>", "<eos>", "<bos>", "<unk>")], [0, 1, 2, 3])
        n = len(T.SPECIAL_TOKENS)
        self.assertEqual(self.tok.piece(n), "<0x00>")
        self.assertEqual(self.tok.piece(n + 255), "<0xFF>")
        self.assertTrue(all(t == T.TYPE_BYTE for t in self.tok.token_types[n:n + 256]))

    def test_vocab_size_is_respected_and_counts_everything(self):
        big = T.train_bpe(TOY_LINES * 10, 290)
        self.assertEqual(len(big), 290)
        self.assertEqual(len(big.tokens), len(big.scores))
        with self.assertRaises(ValueError):
            T.train_bpe(TOY_LINES, 100)

    def test_frequent_words_become_pieces(self):
        self.assertIn("THE", self.tok.tokens)
        self.assertIn("▁THE", self.tok.tokens)
        self.assertEqual(self.tok.encode("THE CAT"), [self.tok.id("THE"), self.tok.id("▁CAT")])

    def test_no_piece_holds_a_space_mark_inside(self):
        self.assertTrue(all(T.SPACE_MARK not in t[1:] for t in self.tok.tokens))

    def test_training_is_deterministic(self):
        again = T.train_bpe(list(TOY_LINES), 300)
        self.assertEqual(again.tokens, self.tok.tokens)
        self.assertEqual(again.merges, self.tok.merges)


class EncodeTest(unittest.TestCase):
    def setUp(self):
        self.tok = T.train_bpe(TOY_LINES, 300)

    def test_round_trip(self):
        for text in HAND_CASES + TOY_LINES:
            if any(name in text for name, _ in T.SPECIAL_TOKENS) or T.SPACE_MARK in text:
                continue
            self.assertEqual(self.tok.decode(self.tok.encode(text)), text, repr(text))

    def test_a_literal_space_mark_reads_as_a_space(self):
        # As in llama.cpp: the escape is not reversible for text that holds U+2581.
        self.assertEqual(self.tok.decode(self.tok.encode("\u2581THE")), " THE")

    def test_unseen_characters_fall_back_to_bytes(self):
        ids = self.tok.encode("é")
        self.assertEqual([self.tok.piece(i) for i in ids], ["<0xC3>", "<0xA9>"])
        self.assertEqual(self.tok.decode(ids), "é")

    def test_special_tokens_are_single_ids(self):
        ids = self.tok.encode("<|turn>THE<turn|><|audio|>")
        self.assertEqual(ids, [self.tok.id("<|turn>"), self.tok.id("THE"), self.tok.id("<turn|>"),
                               self.tok.id("<|audio|>")])
        self.assertEqual(self.tok.decode(ids), "THE")

    def test_bos_and_empty(self):
        self.assertEqual(self.tok.encode(""), [])
        self.assertEqual(self.tok.encode("", add_bos=True), [self.tok.bos_id])

    def test_no_leading_space_mark_is_added(self):
        self.assertEqual(self.tok.piece(self.tok.encode("CAT")[0])[0], "C")

    def test_merge_order_is_rank_then_leftmost(self):
        tok = T.Tokenizer(
            [n for n, _ in T.SPECIAL_TOKENS] + ["a", "b", "ab", "ba", "aba"],
            [k for _, k in T.SPECIAL_TOKENS] + [T.TYPE_NORMAL] * 5,
            [0.0] * (len(T.SPECIAL_TOKENS) + 5),
            ["b a", "a b", "ab a"])
        # "b a" has the lowest rank, so "aba" -> a + ba, never ab + a.
        self.assertEqual([tok.piece(i) for i in tok.encode("aba")], ["a", "ba"])
        self.assertEqual([tok.piece(i) for i in tok.encode("abab")], ["a", "ba", "b"])

    def test_decode_skips_unknown_ids(self):
        self.assertEqual(self.tok.decode([-1, 10 ** 9, self.tok.id("THE")]), "THE")

    def test_save_load(self):
        with tempfile.TemporaryDirectory() as d:
            path = pathlib.Path(d) / "tok.json"
            self.tok.save(path)
            loaded = T.Tokenizer.load(path)
        self.assertEqual(loaded.tokens, self.tok.tokens)
        self.assertEqual(loaded.encode("THE CAT é"), self.tok.encode("THE CAT é"))

    def test_gguf_metadata(self):
        meta = self.tok.gguf_metadata()
        self.assertEqual(meta["tokenizer.ggml.model"], "gemma4")
        self.assertEqual(meta["tokenizer.ggml.bos_token_id"], 2)
        self.assertEqual(meta["tokenizer.ggml.eos_token_id"], 1)
        self.assertEqual(len(meta["tokenizer.ggml.tokens"]), len(meta["tokenizer.ggml.token_type"]))
        self.assertTrue(all(" " in m for m in meta["tokenizer.ggml.merges"]))
        self.assertIn("<|turn>", meta["tokenizer.chat_template"])
        self.assertEqual(set(meta), set(T.GGUF_VALUE_TYPES))


class PromptTest(unittest.TestCase):
    def setUp(self):
        self.tok = T.train_bpe(TOY_LINES, 300)

    def test_layout_audio_after_text(self):
        p = T.build_audio_prompt(self.tok, "THE CAT", 3)
        t = self.tok
        expected = ([t.bos_id, t.id("<|turn>")] + t.encode("user\n") + t.encode("THE CAT") +
                    [t.id("<|audio>")] + [t.id("<|audio|>")] * 3 + [t.id("<audio|>"), t.id("<turn|>")] +
                    t.encode("\n") + [t.id("<|turn>")] + t.encode("model\n"))
        self.assertEqual(p.ids, expected)
        self.assertEqual(p.ids[p.audio_begin:p.audio_end], [t.id("<|audio|>")] * 3)
        self.assertEqual(p.ids[p.audio_begin - 1], t.id("<|audio>"))
        self.assertEqual(p.ids[p.audio_end], t.id("<audio|>"))

    def test_same_ids_as_the_rendered_template_text(self):
        for placement in (T.AUDIO_AFTER_TEXT, T.AUDIO_BEFORE_TEXT):
            p = T.build_audio_prompt(self.tok, T.transcription_instruction("English"), 2, placement)
            audio = "<|audio>" + "<|audio|>" * 2 + "<audio|>"
            text = T.transcription_instruction("English")
            body = text + audio if placement == T.AUDIO_AFTER_TEXT else audio + text
            rendered = "<|turn>user\n" + body + "<turn|>\n<|turn>model\n"
            self.assertEqual(p.ids, self.tok.encode(rendered, add_bos=True))

    def test_no_audio(self):
        p = T.build_audio_prompt(self.tok, "THE", 0)
        self.assertEqual(p.audio_begin, p.audio_end)


class FixtureTest(unittest.TestCase):
    """The committed fixtures still match this code (rewrite them with --write-fixtures)."""

    def test_fixture_ids_match(self):
        if not FIXTURE_CASES.exists():
            self.skipTest("no fixtures")
        tok = T.Tokenizer.load(FIXTURE_TOKENIZER)
        data = json.loads(FIXTURE_CASES.read_text(encoding="utf-8"))
        for case in data["cases"]:
            self.assertEqual(tok.encode(case["text"]), case["ids"], repr(case["text"]))


if __name__ == "__main__":
    if "--write-fixtures" in sys.argv:
        write_fixtures()
    else:
        unittest.main()
