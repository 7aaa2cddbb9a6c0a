"""Training examples from the arrays written by prepare_data.py: batching by
audio length, waveform augmentation, and the Gemma 4 prompt layout.

Sequence of one example (token ids; A = audio placeholder, one per 40 ms frame):
  <prompt prefix> A A ... A <prompt suffix> <target text> <turn|>
The loss covers the target text and the closing <turn|>. An example may bring its
own prompt and answer (an Answer): the translation prompt with "transcript\n
Spanish: translation", or a text-only request with no audio at all.
"""
import dataclasses
import json
import math
import pathlib
import random

import numpy as np
import torch
import torch.nn.functional as F

from model import FRAME_SAMPLES, SAMPLE_RATE


@dataclasses.dataclass
class Utterance:
    id: str
    set: str
    speaker: str
    text: str
    offset: int
    n_samples: int
    path: str
    split: str = ""     # which <split>.pcm.npy the offset is in (set on loading)


class SpeechSplit:
    """One split (train, dev_libri, dev_other, synth_train, dev_synth), or several read as one
    (train, then extra training splits): int16 samples memory-mapped, plus the index."""

    def __init__(self, data_dir: pathlib.Path, split: str, *more_splits: str):
        self.pcms = {}
        self.utts = []
        for name in (split,) + more_splits:
            self.pcms[name] = np.load(data_dir / f"{name}.pcm.npy", mmap_mode="r")
            with open(data_dir / f"{name}.jsonl", encoding="utf-8") as f:
                self.utts += [Utterance(**json.loads(line), split=name) for line in f]
        self.pcm = self.pcms[split]

    def samples(self, utt: Utterance) -> np.ndarray:
        pcm = self.pcms[utt.split]
        return np.asarray(pcm[utt.offset: utt.offset + utt.n_samples], dtype=np.float32) / 32768.0


def normalise_target(text: str) -> str:
    """Training targets: lower case, single spaces (the sets are upper case, no punctuation)."""
    return " ".join(text.lower().split())


@dataclasses.dataclass
class AugmentConfig:
    speed: tuple = (0.9, 1.1)
    gain_db: tuple = (-12.0, 6.0)
    noise_prob: float = 0.5
    snr_db: tuple = (5.0, 40.0)
    pad_s: tuple = (0.0, 0.6)           # leading/trailing quiet padding, each side
    n_time_masks: int = 2
    time_mask_s: float = 0.3
    silence_prob: float = 0.03          # an example replaced by a noise/silence clip with empty text


def faint_noise(n: int, rng: random.Random, level_db: tuple = (-80.0, -50.0)) -> np.ndarray:
    level = 10 ** (rng.uniform(*level_db) / 20)
    return (np.random.default_rng(rng.getrandbits(32)).standard_normal(n) * level).astype(np.float32)


def augment(x: np.ndarray, aug: AugmentConfig, rng: random.Random) -> np.ndarray:
    speed = rng.uniform(*aug.speed)
    if abs(speed - 1.0) > 1e-3:
        n_out = max(1, int(len(x) / speed))
        x = F.interpolate(torch.from_numpy(x)[None, None], size=n_out, mode="linear",
                          align_corners=False)[0, 0].numpy()
    x = x * 10 ** (rng.uniform(*aug.gain_db) / 20)
    lead = int(rng.uniform(*aug.pad_s) * SAMPLE_RATE)
    trail = int(rng.uniform(*aug.pad_s) * SAMPLE_RATE)
    x = np.concatenate([faint_noise(lead, rng), x, faint_noise(trail, rng)])
    if rng.random() < aug.noise_prob:
        power = float(np.mean(x * x)) + 1e-10
        snr = rng.uniform(*aug.snr_db)
        noise = np.random.default_rng(rng.getrandbits(32)).standard_normal(len(x)).astype(np.float32)
        if rng.random() < 0.5:  # pink-ish: a leaky integrator tilts the spectrum down
            noise = np.asarray(torch.from_numpy(noise).cumsum(0).numpy() * 0.02, dtype=np.float32)
            noise -= np.convolve(noise, np.ones(64) / 64, mode="same")
            noise /= np.std(noise) + 1e-9
        x = x + noise * math.sqrt(power / 10 ** (snr / 10))
    for _ in range(aug.n_time_masks):
        width = int(rng.uniform(0, aug.time_mask_s) * SAMPLE_RATE)
        if width and len(x) > 4 * width:
            start = rng.randrange(0, len(x) - width)
            x[start:start + width] = faint_noise(width, rng)
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def noise_clip(rng: random.Random) -> np.ndarray:
    """1-4 s of silence, hum or noise at a random level: the model must say nothing."""
    n = int(rng.uniform(1.0, 4.0) * SAMPLE_RATE)
    kind = rng.choice(["silence", "white", "hum"])
    if kind == "silence":
        return faint_noise(n, rng, (-90.0, -45.0))
    if kind == "white":
        return faint_noise(n, rng, (-50.0, -15.0))
    t = np.arange(n) / SAMPLE_RATE
    hum = 10 ** (rng.uniform(-40, -15) / 20) * np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * t)
    return (hum + faint_noise(n, rng)).astype(np.float32)


@dataclasses.dataclass
class Batch:
    tokens: torch.Tensor        # [B, L] int64
    samples: torch.Tensor       # [B, n_frames * 640] float32
    audio_mask: torch.Tensor    # [B, L] bool, True at audio placeholders
    key_mask: torch.Tensor      # [B, L] bool, True at real (not padding) positions
    loss_mask: torch.Tensor     # [B, L] bool, True where the NEXT token is a target
    n_frames: torch.Tensor      # [B] frames per row
    ctc_targets: list           # per row: target text ids (no specials)
    texts: list                 # per row: normalised target text

    def to(self, device) -> "Batch":
        """The same batch with its tensors (and corrupted-input labels, if any) on `device`."""
        moved = dataclasses.replace(self, **{f.name: getattr(self, f.name).to(device)
                                             for f in dataclasses.fields(self)
                                             if isinstance(getattr(self, f.name), torch.Tensor)})
        if hasattr(self, "labels"):
            moved.labels = self.labels.to(device)
        return moved


class PromptLayout:
    """Token ids around the audio, from the shared prompt builder."""

    def __init__(self, tok, prefix_ids, suffix_ids, end_id, audio_id):
        self.tok, self.prefix, self.suffix, self.end, self.audio = tok, prefix_ids, suffix_ids, end_id, audio_id


@dataclasses.dataclass
class Answer:
    """An example's own prompt and answer, instead of the batch's prompt and the transcript."""
    layout: PromptLayout    # the prompt around the audio; a text-only request is all prefix
    text: str               # the whole answer, e.g. "transcript\nSpanish: translation"


def make_batch(items, layout: PromptLayout, pad_id: int) -> Batch:
    """items: (samples float32 array, target text), or (samples, transcript, Answer) for an
    example with its own prompt and answer; samples None: a text-only example (no audio frames,
    no transcript). CTC targets and texts are always the transcripts."""
    rows, sample_rows, n_frames_list, ctc_targets, texts = [], [], [], [], []
    for item in items:
        samples, text = item[0], item[1]
        answer = item[2] if len(item) > 2 else None
        row = answer.layout if answer is not None else layout
        n_frames = 0 if samples is None else max(1, math.ceil(len(samples) / FRAME_SAMPLES))
        transcript = layout.tok.encode(text) if text else []
        target = transcript if answer is None else row.tok.encode(answer.text)
        ids = row.prefix + [row.audio] * n_frames + row.suffix + target + [row.end]
        rows.append((ids, len(row.prefix), n_frames, len(row.prefix) + n_frames + len(row.suffix)))
        padded = np.zeros(n_frames * FRAME_SAMPLES, dtype=np.float32)
        if samples is not None:
            padded[: len(samples)] = samples
        sample_rows.append(padded)
        n_frames_list.append(n_frames)
        ctc_targets.append(transcript)
        texts.append(text)
    b = len(rows)
    max_len = max(len(r[0]) for r in rows)
    max_frames = max(1, max(n_frames_list))  # a batch of text-only examples still gets one silent frame
    tokens = torch.full((b, max_len), pad_id, dtype=torch.long)
    audio_mask = torch.zeros(b, max_len, dtype=torch.bool)
    key_mask = torch.zeros(b, max_len, dtype=torch.bool)
    loss_mask = torch.zeros(b, max_len, dtype=torch.bool)
    samples = torch.zeros(b, max_frames * FRAME_SAMPLES)
    for i, (ids, audio_start, n_frames, target_start) in enumerate(rows):
        tokens[i, : len(ids)] = torch.tensor(ids)
        audio_mask[i, audio_start: audio_start + n_frames] = True
        key_mask[i, : len(ids)] = True
        loss_mask[i, target_start - 1: len(ids) - 1] = True  # position p predicts token p+1
        samples[i, : len(sample_rows[i])] = torch.from_numpy(sample_rows[i])
    return Batch(tokens, samples, audio_mask, key_mask, loss_mask, torch.tensor(n_frames_list), ctc_targets, texts)


class BatchSampler:
    """Groups utterances of similar length into batches of at most max_batch_s seconds of audio
    (after padding), shuffled; the first epoch can go shortest first (curriculum)."""

    def __init__(self, lengths, weights, max_batch_s: float, max_utt_s: float, seed: int):
        """weights[i]: expected copies of utterance i per epoch (e.g. < 1 for single-speaker sets)."""
        self.lengths = lengths
        self.weights = weights
        self.max_samples = int(max_batch_s * SAMPLE_RATE)
        self.keep = [i for i, n in enumerate(lengths) if n <= max_utt_s * SAMPLE_RATE]
        self.rng = random.Random(seed)

    def epoch_items(self):
        items = []
        for i in self.keep:
            w = self.weights[i]
            items += [i] * int(w) + ([i] if self.rng.random() < w - int(w) else [])
        return items

    def epoch(self, shortest_first: bool):
        order = sorted(self.epoch_items(), key=lambda i: self.lengths[i] * (1 + 0.1 * self.rng.random()))
        batches, current, longest = [], [], 0
        for i in order:
            longest_next = max(longest, self.lengths[i] * 1.25)  # room for speed and padding
            if current and longest_next * (len(current) + 1) > self.max_samples:
                batches.append(current)
                current, longest_next = [], self.lengths[i] * 1.25
            current.append(i)
            longest = longest_next
        if current:
            batches.append(current)
        if not shortest_first:
            self.rng.shuffle(batches)
        return batches
