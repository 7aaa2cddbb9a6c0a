#!/usr/bin/python3
"""word_crops.crop_words: crops of whole words at their timings, within the asked lengths.

  /usr/bin/python3 training/test_word_crops.py
"""
import pathlib
import random
import sys
import unittest

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import word_crops  # noqa: E402
from model import FRAME_SAMPLES  # noqa: E402

# Ten words of four frames each with one frame between them.
WORDS = "zero one two three four five six seven eight nine"
SPANS = [[5 * i, 5 * i + 3] for i in range(10)]
SAMPLES = np.arange(50 * FRAME_SAMPLES, dtype=np.float32)


class CropWordsTest(unittest.TestCase):
    def test_lengths_stay_within_min_and_max_words(self):
        rng = random.Random(3)
        seen = set()
        for _ in range(300):
            x, text = word_crops.crop_words(SAMPLES, WORDS, SPANS, rng, max_words=7, min_words=4)
            n = len(text.split())
            self.assertTrue(4 <= n <= 7, text)
            seen.add(n)
            # The crop is the audio of those words: it starts on a frame boundary of the clip.
            self.assertEqual(x[0] % FRAME_SAMPLES, 0)
            first = WORDS.split().index(text.split()[0])
            self.assertLessEqual(x[0] // FRAME_SAMPLES, SPANS[first][0])
        self.assertEqual(seen, {4, 5, 6, 7})

    def test_a_short_utterance_is_kept_whole_when_min_words_exceeds_it(self):
        x, text = word_crops.crop_words(SAMPLES[: 15 * FRAME_SAMPLES], "zero one two", SPANS[:3], random.Random(1),
                                        max_words=12, min_words=4)
        self.assertEqual(text, "zero one two")
        self.assertEqual(len(x), 15 * FRAME_SAMPLES)

    def test_the_default_draws_as_before(self):
        # With min_words 1 the draws are those of the function before it had min_words
        # (a length in 1..max, then a start), so older runs resume with the same crops.
        rng, old = random.Random(5), random.Random(5)
        words = WORDS.split()
        for _ in range(50):
            k = old.randint(1, 6)
            i = old.randrange(0, len(words) - k + 1)
            self.assertEqual(word_crops.crop_words(SAMPLES, WORDS, SPANS, rng, 6)[1], " ".join(words[i: i + k]))

    def test_spans_that_do_not_match_the_words_give_none(self):
        self.assertIsNone(word_crops.crop_words(SAMPLES, WORDS, SPANS[:9], random.Random(1), 6))


if __name__ == "__main__":
    unittest.main()
