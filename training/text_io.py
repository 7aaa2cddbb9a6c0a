"""Glue between the data, the tokenizer and the prompt: the training vocabulary,
the Gemma 4 transcription prompt layout, and the front end's fixed statistics."""
import pathlib
import random

import torch

import dataset
import tokenizer as tokmod

LANGUAGE = "English"


def load_or_train_tokenizer(data_dir: pathlib.Path, vocab_size: int) -> tokmod.Tokenizer:
    """The vocabulary is trained once on the training transcripts (never the dev ones) and the
    prompt texts, and kept beside the data; deterministic for the same data."""
    path = data_dir / f"tokenizer-{vocab_size}.json"
    if path.exists():
        return tokmod.Tokenizer.load(path)
    train = dataset.SpeechSplit(data_dir, "train")
    lines = [dataset.normalise_target(u.text) for u in train.utts]
    lines += tokmod.prompt_lines(LANGUAGE, "Spanish") * 50
    tok = tokmod.train_bpe(lines, vocab_size)
    tok.save(path)
    return tok


def first_text_id(tok: tokmod.Tokenizer) -> int:
    """Ids below this are special or byte tokens."""
    return next(i for i in range(len(tok)) if tok.token_types[i] == tokmod.TYPE_NORMAL)


def transcription_layout(tok: tokmod.Tokenizer) -> dataset.PromptLayout:
    prompt = tokmod.build_audio_prompt(tok, tokmod.transcription_instruction(LANGUAGE), n_audio=0)
    layout = dataset.PromptLayout(tok, prompt.prefix, prompt.suffix, tok.id(tokmod.TURN_END),
                                  tok.id(tokmod.AUDIO_PLACEHOLDER))
    return layout


@torch.no_grad()
def fit_logmel_stats(logmel, split: dataset.SpeechSplit, n_utts: int, seed: int = 0):
    """Per-band mean and standard deviation of the log-mel energies over some training audio."""
    utts = random.Random(seed).sample(split.utts, min(n_utts, len(split.utts)))
    total, total_sq, count = 0.0, 0.0, 0
    for u in utts:
        x = torch.from_numpy(split.samples(u))
        n = (len(x) // 640) * 640
        mel = logmel.log_mel(x[None, :n]).reshape(-1, logmel.mean.shape[0]).double()
        total = total + mel.sum(0)
        total_sq = total_sq + (mel * mel).sum(0)
        count += mel.shape[0]
    mean = total / count
    std = (total_sq / count - mean * mean).clamp(min=1e-4).sqrt()
    logmel.mean.copy_(mean.float())
    logmel.std.copy_(std.float())
