"""Tests of the speech translation task: the training prompt against the C++ prompt
builder, the answer layout, batches that mix transcription, translation and text-only
examples, chrF, and the apertium wrapper of make_translations.py.

  /usr/bin/python3 training/test_translation.py

The prompt check reads model/prompt.cpp and model/language_names.cpp (no C++ build
needed): it evaluates the string concatenations of transcription_instruction and
translation_instruction, replays build_audio_prompt's statements one by one, and fails
on any statement it does not know, so a change there shows up here. The fixture
prompts in tests/model/data (which the C++ test Prompt.MatchesThePythonPromptBuilder
runs through the C++ builder) close the loop for a small vocabulary.
"""
import json
import pathlib
import random
import re
import shutil
import sys
import unittest

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import ctc  # noqa: E402
import dataset  # noqa: E402
import make_translations  # noqa: E402
import metrics  # noqa: E402
import text_io  # noqa: E402
import tokenizer as tokmod  # noqa: E402
import train  # noqa: E402

PROMPT_CPP = REPO / "model" / "prompt.cpp"
TOKENIZER_H = REPO / "model" / "tokenizer.h"
LANGUAGES_CPP = REPO / "model" / "language_names.cpp"
TOKENIZER = HERE / "data" / "tokenizer-1024.json"
if not TOKENIZER.exists():  # a clean checkout: the small fixture vocabulary has the same special tokens
    TOKENIZER = REPO / "tests" / "model" / "data" / "tokenizer_small.json"
FIXTURE_DIR = REPO / "tests" / "model" / "data"


# ---- reading the C++ sources ------------------------------------------------------------
def cpp_function_body(source: str, signature_start: str) -> str:
    """The text between the braces of the function whose definition starts with signature_start."""
    start = source.index(signature_start)
    open_brace = source.index("{", start)
    depth = 0
    for i in range(open_brace, len(source)):
        depth += {"{": 1, "}": -1}.get(source[i], 0)
        if depth == 0:
            return source[open_brace + 1: i]
    raise ValueError(f"unbalanced braces after {signature_start!r}")


def cpp_string_literal(text: str) -> str:
    """The value of a C++ string literal body (ASCII with backslash escapes)."""
    return text.encode("ascii").decode("unicode_escape")


def evaluate_cpp_concatenation(expr: str, variables: dict) -> str:
    """'"a" + x + "b" "c"' -> the string: literals (adjacent ones joined) and known names."""
    out, pos = [], 0
    token = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\w+)|(\+))')
    while pos < len(expr.rstrip()):
        m = token.match(expr, pos)
        if not m:
            raise ValueError(f"cannot read {expr[pos:pos + 40]!r}")
        literal, name, _ = m.groups()
        if literal is not None:
            out.append(cpp_string_literal(literal))
        elif name is not None:
            if name not in variables:
                raise ValueError(f"unknown name {name!r} in {expr!r}")
            out.append(variables[name])
        pos = m.end()
    return "".join(out)


def cpp_instruction(function: str, arguments: dict) -> str:
    """Renders model/prompt.cpp's `function` for the arguments {parameter name: value}: its
    `const std::string x(param);` copies, then the expression after `return`."""
    body = cpp_function_body(PROMPT_CPP.read_text(), f"std::string {function}(")
    variables = dict(arguments)
    for name, param in re.findall(r"const std::string (\w+)\((\w+)\);", body):
        variables[name] = arguments[param]
    expr = body[body.index("return") + len("return"): body.rindex(";")]
    return evaluate_cpp_concatenation(expr, variables)


def cpp_token_constants() -> dict:
    """kTurnBeginToken -> "<|turn>", ... from model/tokenizer.h."""
    return dict(re.findall(r'inline constexpr std::string_view (k\w+) = "([^"]*)";', TOKENIZER_H.read_text()))


def cpp_build_audio_prompt(tok, instruction: str, n_audio: int, after_text: bool = True):
    """Replays model/prompt.cpp's build_audio_prompt statement by statement with the Python
    tokenizer: returns (ids, audio_begin, audio_end)."""
    body = cpp_function_body(PROMPT_CPP.read_text(), "AudioPrompt build_audio_prompt(")
    constants = cpp_token_constants()
    names, ids, text, begin, end = {}, [], None, None, None
    for statement in (s.strip() for s in body.split(";")):
        if not statement:
            continue
        m = re.fullmatch(r"const TokenId (\w+) = tokenizer\.id_of\((k\w+)\)", statement)
        if m:
            names[m.group(1)] = tok.id(constants[m.group(2)])
            continue
        m = re.fullmatch(r"const std::vector<TokenId> text = tokenizer\.encode\(trim\(instruction\)\)", statement)
        if m:
            text = tok.encode(instruction.strip(" \t\n\r\f\v"))
            continue
        m = re.fullmatch(r"(?:if \(placement == AudioPlacement::(kAfterText|kBeforeText)\) )?"
                         r"append\(ids, (?:text|tokenizer\.encode\(\"((?:[^\"\\]|\\.)*)\"\))\)", statement)
        if m:
            if m.group(1) is None or (m.group(1) == "kAfterText") == after_text:
                ids += text if m.group(2) is None else tok.encode(cpp_string_literal(m.group(2)))
            continue
        m = re.fullmatch(r"ids\.push_back\((\w+)\)|ids\.push_back\(tokenizer\.bos_id\(\)\)", statement)
        if m:
            ids.append(tok.bos_id if m.group(1) is None else names[m.group(1)])
            continue
        if statement == "ids.insert(ids.end(), n_audio, audio)":
            ids += [names["audio"]] * n_audio
            continue
        if statement == "prompt.audio_begin = ids.size()":
            begin = len(ids)
            continue
        if statement == "prompt.audio_end = ids.size()":
            end = len(ids)
            continue
        if statement in ("AudioPrompt prompt", "std::vector<TokenId>& ids = prompt.ids", "return prompt"):
            continue
        raise AssertionError(f"model/prompt.cpp: build_audio_prompt has a statement this check does not know: "
                             f"{statement!r}; update cpp_build_audio_prompt")
    return ids, begin, end


def cpp_language_name(tag: str) -> str:
    m = re.search(r'Entry\{"' + re.escape(tag) + r'", "([^"]+)"\}', LANGUAGES_CPP.read_text())
    if not m:
        raise AssertionError(f"model/language_names.cpp has no entry for {tag!r}")
    return m.group(1)


# ---- tests ------------------------------------------------------------------------------
class PromptMatchesEngineTest(unittest.TestCase):
    """The prompt the training examples get is the prompt `earshot transcribe --translate es` builds."""

    @classmethod
    def setUpClass(cls):
        cls.tok = tokmod.Tokenizer.load(TOKENIZER)

    def test_language_names_are_the_engines(self):
        self.assertEqual(cpp_language_name(text_io.LANGUAGE_TAG), text_io.LANGUAGE)
        self.assertEqual(cpp_language_name(text_io.TARGET_TAG), text_io.TARGET_LANGUAGE)

    def test_instruction_strings_equal_prompt_cpp(self):
        source, target = text_io.LANGUAGE, text_io.TARGET_LANGUAGE
        self.assertEqual(cpp_instruction("translation_instruction",
                                         {"source_language": source, "target_language": target}),
                         tokmod.translation_instruction(source, target))
        self.assertEqual(cpp_instruction("transcription_instruction", {"language": source}),
                         tokmod.transcription_instruction(source))

    def test_translation_layout_equals_the_cpp_builder(self):
        layout = text_io.translation_layout(self.tok)
        instruction = cpp_instruction("translation_instruction",
                                      {"source_language": "English", "target_language": "Spanish"})
        for n_audio in (0, 1, 7):
            ids, begin, end = cpp_build_audio_prompt(self.tok, instruction, n_audio)
            self.assertEqual(ids, layout.prefix + [layout.audio] * n_audio + layout.suffix)
            self.assertEqual((begin, end), (len(layout.prefix), len(layout.prefix) + n_audio))
        # and the transcription layout, which the same replay must reproduce
        tl = text_io.transcription_layout(self.tok)
        ids, _, _ = cpp_build_audio_prompt(self.tok, cpp_instruction("transcription_instruction",
                                                                     {"language": "English"}), 3)
        self.assertEqual(ids, tl.prefix + [tl.audio] * 3 + tl.suffix)

    def test_translation_layout_equals_the_rendered_chat_template(self):
        layout = text_io.translation_layout(self.tok)
        instruction = tokmod.translation_instruction("English", "Spanish")
        rendered = "<|turn>user\n" + instruction + "<|audio><|audio|><|audio|><audio|><turn|>\n<|turn>model\n"
        self.assertEqual(self.tok.encode(rendered, add_bos=True), layout.prefix + [layout.audio] * 2 + layout.suffix)

    def test_fixture_prompt_the_cpp_test_checks(self):
        """tests/model/data holds the Python builder's ids for the translation instruction; the C++
        test Prompt.MatchesThePythonPromptBuilder asserts build_audio_prompt gives the same."""
        fixture_tok = tokmod.Tokenizer.load(FIXTURE_DIR / "tokenizer_small.json")
        cases = json.loads((FIXTURE_DIR / "tokenizer_cases.json").read_text())["prompts"]
        instruction = tokmod.translation_instruction("English", "Spanish")
        case = next(c for c in cases if c["instruction"] == instruction and c["placement"] == "audio_after_text")
        layout = text_io.translation_layout(fixture_tok)
        self.assertEqual(case["ids"], layout.prefix + [layout.audio] * case["n_audio"] + layout.suffix)


class AnswerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tok = tokmod.Tokenizer.load(TOKENIZER)

    def test_answer_layout(self):
        self.assertEqual(text_io.translation_answer("the fox", "el zorro"), "the fox\nSpanish: el zorro")

    def test_transcript_tokens_are_a_prefix_of_the_answer(self):
        for en, es in [("the fox", "el zorro"), ("i don't know", "no sé"), ("a", "niño ñandú")]:
            self.assertEqual(self.tok.encode(text_io.translation_answer(en, es))[: len(self.tok.encode(en))],
                             self.tok.encode(en))

    def test_split_like_stream_translation_answer(self):
        """The cases of tests/stream/translation_answer_test.cpp."""
        split = text_io.split_translation_answer
        self.assertEqual(split(" the fox\nSpanish: el zorro"), (" the fox", "el zorro"))
        for answer, want in [("fox\nspanish:el zorro", "el zorro"), ("fox\nSPANISH : el zorro ", "el zorro"),
                             ("fox\nes: el zorro", "el zorro"), ("fox\nel zorro", "el zorro"),
                             ("fox\n\n  Spanish: el zorro\n", "el zorro"), ("note\nNota: el zorro", "Nota: el zorro"),
                             ("fox\nespañol", "español"), ("fox\nSpanish:", None), ("fox\n  \n", None),
                             ("fox\nSpanish: el zorro\nSpanish: el zorro", "el zorro"),
                             ("fox\n\nSpanish: el zorro \n y", "el zorro"), ("fox\nSpanish:\nel zorro", None)]:
            self.assertEqual(split(answer)[1], want, answer)
        self.assertEqual(split(" the fox"), (" the fox", None))

    def test_spanish_round_trips_through_byte_fallback(self):
        text = "el niño pidió ¿qué? ¡olé! pingüino acción"
        ids = self.tok.encode(text)
        self.assertEqual(self.tok.decode(ids), text)
        self.assertTrue(any(self.tok.token_types[i] == tokmod.TYPE_BYTE for i in ids))

    def test_text_request_is_one_user_turn_without_audio(self):
        layout = text_io.text_translation_layout(self.tok, "the cat")
        self.assertEqual(layout.suffix, [])
        self.assertNotIn(self.tok.id(tokmod.AUDIO_PLACEHOLDER), layout.prefix)
        self.assertTrue(self.tok.decode(layout.prefix).endswith("into Spanish:\n\n\nthe cat\nmodel\n"))
        self.assertEqual(layout.prefix[:2], [self.tok.bos_id, self.tok.id(tokmod.TURN_BEGIN)])


class MixedBatchTest(unittest.TestCase):
    """Transcription, translation and text-only examples in one batch, through the losses."""

    @classmethod
    def setUpClass(cls):
        cls.tok = tokmod.Tokenizer.load(TOKENIZER)
        torch.manual_seed(0)

    def items(self):
        rng = np.random.default_rng(0)
        audio = [rng.standard_normal(n).astype(np.float32) * 0.1 for n in (16000, 20000)]
        answer = text_io.translation_answer("the cat", "el gato")
        return [(audio[0], "hello world"),
                (audio[1], "the cat", dataset.Answer(text_io.translation_layout(self.tok), answer)),
                (None, "", dataset.Answer(text_io.text_translation_layout(self.tok, "the dog"), "el perro"))]

    def test_rows(self):
        tl, xl = text_io.transcription_layout(self.tok), text_io.translation_layout(self.tok)
        batch = dataset.make_batch(self.items(), tl, self.tok.pad_id)
        self.assertEqual(batch.n_frames.tolist(), [25, 32, 0])
        self.assertEqual(batch.ctc_targets, [self.tok.encode("hello world"), self.tok.encode("the cat"), []])
        row = xl.prefix + [xl.audio] * 32 + xl.suffix + self.tok.encode("the cat\nSpanish: el gato") + [xl.end]
        self.assertEqual(batch.tokens[1, : len(row)].tolist(), row)
        # the loss covers the whole answer and <turn|>: "the cat\nSpanish: el gato<turn|>"
        target = batch.tokens[1, 1:][batch.loss_mask[1, :-1]].tolist()
        self.assertEqual(self.tok.decode(target[:-1]), "the cat\nSpanish: el gato")
        self.assertEqual(target[-1], xl.end)
        self.assertFalse(bool(batch.audio_mask[2].any()))
        self.assertEqual(self.tok.decode(batch.tokens[2, 1:][batch.loss_mask[2, :-1]].tolist()[:-1]), "el perro")

    def losses(self, items, guide=True):
        cfg = train.TrainConfig(n_embd=32, n_layer=3, n_head=2, n_ff=64, ctc_units="chars",
                                guide_weight=0.5 if guide else 0.0, ce_start_step=0, guide_layers="full")
        model = train.Gemma4Audio(train.model_config(cfg, len(self.tok)))
        for i in train.guided_layers(cfg, model) if guide else []:
            model.layers[i].attn.keep_scores = True
        units = ctc.CtcUnits("chars", self.tok)
        head = ctc.CtcHead(cfg.n_embd, units.size)
        batch = dataset.make_batch(items, text_io.transcription_layout(self.tok), self.tok.pad_id)
        batch = train.corrupt_targets(batch, cfg, len(self.tok), text_io.first_text_id(self.tok), random.Random(0))
        losses = train.train_step_losses(model, head, batch, cfg, 1, units)
        losses["total"].backward()
        return losses

    def test_losses_are_finite_and_backpropagate(self):
        losses = self.losses(self.items())
        for name, value in losses.items():
            self.assertTrue(torch.isfinite(value), name)
        self.assertGreater(float(losses["ctc"]), 0)

    def test_a_batch_of_text_only_examples(self):
        losses = self.losses(self.items()[2:], guide=False)
        self.assertEqual(float(losses["ctc"]), 0.0)
        self.assertTrue(torch.isfinite(losses["ce"]))

    def test_guide_stays_on_the_transcript(self):
        import guided_attention
        tl = text_io.transcription_layout(self.tok)
        batch = dataset.make_batch(self.items()[1:2], tl, self.tok.pad_id)
        units = ctc.CtcUnits("chars", self.tok)
        chars = units.targets(batch)[0]
        # a log-prob table that makes every character alignable
        steps = int(batch.n_frames[0])
        lp = torch.full((steps, 1, units.size), -5.0)
        for t in range(steps):
            lp[t, 0, chars[min(t // 3, len(chars) - 1)]] = 0.0
        queries, _ = guided_attention.guide_targets(batch, lp, units, self.tok, margin=1)
        n_transcript = len(batch.ctc_targets[0])
        first_target = int(torch.nonzero(batch.loss_mask[0])[0])
        guided = torch.nonzero(queries[0]).flatten().tolist()
        self.assertTrue(guided)
        self.assertTrue(all(first_target <= p < first_target + n_transcript for p in guided))


class ChrfTest(unittest.TestCase):
    def test_self_test_values(self):
        self.assertEqual(metrics._chrf_self_test(), 0)

    def test_case_matters_and_whitespace_does_not(self):
        self.assertLess(metrics.chrf(["Hola"], ["hola"]), 100)
        self.assertEqual(metrics.chrf(["el gato"], ["elgato"]), 100)


class TextPairSourcesTest(unittest.TestCase):
    """train.py --text_pair_sources: a run takes the named sources' pairs only."""

    def test_sources_are_picked_by_name(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            data = pathlib.Path(tmp)
            records = [{"id": "vim-usr-usr_01-0001", "en": "Open the file.", "es": "Abre el archivo."},
                       {"id": "kjv-s-0001", "en": "And god said", "es": "Y dios dijo"},
                       {"id": "devil-s-0001", "en": "A bore talks", "es": "Un taladro habla"}]
            (data / "text_pairs.es.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
            self.assertEqual(text_io.load_text_pairs(data, ["vim-usr"]), [("open the file", "abre el archivo")])
            self.assertEqual(len(text_io.load_text_pairs(data, ["kjv", "devil"])), 2)
            with self.assertRaises(SystemExit):  # a source the file does not hold
                text_io.load_text_pairs(data, ["fortunes"])

    def test_every_source_has_a_reader_and_a_licence(self):
        for name, (read, licence) in make_translations.TEXT_PAIR_SOURCES.items():
            self.assertTrue(callable(read), name)
            self.assertIn("Debian", licence, name)


class EvalEngineScoringTest(unittest.TestCase):
    """tools/eval_engine.py --translate: the scoring of the engine's JSON answers."""

    def test_scores(self):
        sys.path.insert(0, str(REPO / "tools"))
        import eval_engine
        refs = {"a": "THE CAT", "b": "A DOG", "c": "NO REFERENCE TRANSLATION"}
        refs_tr = {"a": "El gato.", "b": "Un perro"}
        perfect = {"a": {"text": "the cat", "translation": "el gato"},
                   "b": {"text": "a dog", "translation": "un perro"}}
        s = eval_engine.score_translations(refs, refs_tr, perfect)
        self.assertEqual((s.n_utts, s.n_missing, s.n_untranslated, s.wer, s.chrf), (2, 0, 0, 0.0, 100.0))
        # Against each other's references the perfect answers share only an "e" and an "o".
        self.assertLess(s.chrf_mismatched, 10.0)
        echo = {"a": {"translation": "el gato"}, "b": {"translation": "el gato"}}  # the same words for all
        s = eval_engine.score_translations(refs, refs_tr, echo)
        self.assertAlmostEqual(s.chrf, s.chrf_mismatched)
        s = eval_engine.score_translations(refs, refs_tr, {"a": {"text": "the cat", "translation": ""}})
        self.assertEqual((s.n_missing, s.n_untranslated, s.wer), (1, 2, 0.5))  # "a dog" deleted
        self.assertEqual(s.chrf, 0.0)
        # "elgato" against "elgato" + "unperro": every hypothesis n-gram matches; recall per order
        # n is (6 - n + 1) / (6 - n + 1 + 7 - n + 1) (the order-6 recall: 1 of 3 six-grams)
        s = eval_engine.score_translations(refs, refs_tr, {"a": perfect["a"], "b": {"text": "a dog"}})
        recall = sum((7 - n) / ((7 - n) + (8 - n)) for n in range(1, 7)) / 6
        self.assertAlmostEqual(s.chrf, 100 * 5 * recall / (4 + recall))


@unittest.skipUnless(shutil.which("apertium-wblank-mode") and pathlib.Path(make_translations.MODE).exists(),
                     "apertium-eng-spa is not installed")
class ApertiumTest(unittest.TestCase):
    def test_lines_stay_apart(self):
        """Plain `apertium eng-spa` gives "La casa\\ngrande es roja" for these two lines."""
        out = make_translations.Apertium().translate(["the big", "house is red", "I don't know Graham"])
        self.assertEqual(len(out), 3)
        self.assertIn("grande", out[0])
        self.assertIn("casa", out[1])
        self.assertNotIn("grande", out[1])
        self.assertNotIn("*", out[2])

    def test_cleaning(self):
        clean = make_translations.clean_output
        self.assertEqual(clean("El *xyzzy @foo #bar.[]"), "El xyzzy foo bar")
        self.assertEqual(clean("no #prpers vemos.[]"), "no vemos")
        self.assertEqual(clean("el núm. de tirano[]"), "el núm. de tirano")
        self.assertEqual(make_translations.sentence_case("I'M SURE I DON'T"), "I'm sure I don't")


if __name__ == "__main__":
    unittest.main()
