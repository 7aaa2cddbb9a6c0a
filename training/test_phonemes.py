"""Tests of training/phonemes.py: the phoneme head's lexicon and targets, with Debian's espeak-ng.

  /usr/bin/python3 training/test_phonemes.py
"""
import json
import pathlib
import sys
import tempfile
import types
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import phonemes  # noqa: E402


class PhonemesTest(unittest.TestCase):
    def test_words_are_spelled_in_known_symbols_without_stress(self):
        lexicon = phonemes.phonemise(["cat", "thought", "don't", "m"])
        self.assertEqual(lexicon["cat"], "kæt")
        self.assertEqual(lexicon["m"], "ɛm")
        for word, ipa in lexicon.items():
            self.assertTrue(ipa, word)
            self.assertTrue(set(ipa) <= set(phonemes.SYMBOLS), f"{word}: {ipa}")

    def test_lexicon_is_cached_and_extended(self):
        with tempfile.TemporaryDirectory() as d:
            data_dir = pathlib.Path(d)
            first = phonemes.load_lexicon(data_dir, ["the cat"])
            self.assertEqual(set(first), {"the", "cat"})
            cached = json.loads((data_dir / phonemes.LEXICON_FILE).read_text(encoding="utf-8"))
            self.assertEqual(cached, first)
            second = phonemes.load_lexicon(data_dir, ["the dog"])
            self.assertEqual(set(second), {"the", "cat", "dog"})
            self.assertEqual(second["cat"], first["cat"])

    def test_targets_spell_each_word_with_spaces_between(self):
        units = phonemes.PhoneUnits({"the": "ðə", "cat": "kæt"})
        batch = types.SimpleNamespace(texts=["the cat", ""])
        targets = units.targets(batch)
        self.assertEqual(units.decode(targets[0]), "ðə kæt")
        self.assertEqual(targets[1], [])
        self.assertNotIn(units.blank, targets[0])
        self.assertLess(max(targets[0]), units.size)


if __name__ == "__main__":
    unittest.main()
