"""Short clips of a few words, cut from training utterances at word timings.

A decoder that has to find each word among 25 s of audio learns to listen far
more slowly than one that hears two or three words: short clips make the
audio-to-text step nearly a bag of sounds, and longer ones then refine where to
look (a length curriculum). Crops that end right after a word, or start on
the previous word's tail, also prepare the model for streaming, where audio
ends wherever the last frame does.

Word timings come from align_words.py (frames where a word's first and last
characters are emitted by a CTC head).
"""
import json
import pathlib
import random

import numpy as np

from model import FRAME_SAMPLES

LEAD_FRAMES = 4   # before a word's first emitted character: its sound starts earlier
TAIL_FRAMES = 3   # after its last emitted character


def load_word_spans(path: pathlib.Path) -> dict:
    """id -> [[first_frame, last_frame], ...] per word."""
    spans = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            spans[entry["id"]] = entry["words"]
    return spans


def crop_words(samples: np.ndarray, text: str, spans: list, rng: random.Random, max_words: int,
               min_words: int = 1):
    """(samples, text) of min_words..max_words consecutive words (fewer when the utterance has
    fewer), or None when the spans do not match the text's words."""
    words = text.split(" ")
    if not words or len(spans) != len(words):
        return None
    k = rng.randint(min(min_words, len(words)), min(max_words, len(words)))
    i = rng.randrange(0, len(words) - k + 1)
    n_frames = len(samples) // FRAME_SAMPLES + 1
    start = 0 if i == 0 else max(spans[i - 1][1] + 1, spans[i][0] - LEAD_FRAMES)
    last = i + k - 1
    end = n_frames if last == len(words) - 1 else min(spans[last + 1][0], spans[last][1] + 1 + TAIL_FRAMES)
    if end <= start:
        return None
    return samples[start * FRAME_SAMPLES: end * FRAME_SAMPLES], " ".join(words[i: i + k])
