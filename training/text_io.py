"""Glue between the data, the tokenizer and the prompt: the training vocabulary,
the Gemma 4 transcription and translation prompt layouts, the translation
references (make_translations.py), and the front end's fixed statistics."""
import json
import pathlib
import random

import torch

import dataset
import metrics
import tokenizer as tokmod

LANGUAGE = "English"
LANGUAGE_TAG = "en"
# The translation target: the tag and name model/language_names.cpp gives it (the prompt says the name).
TARGET_LANGUAGE = "Spanish"
TARGET_TAG = "es"


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


# ---- translation ----------------------------------------------------------------------
def translation_target(text: str) -> str:
    """Spanish targets in the transcripts' style: lower case, no punctuation, single spaces."""
    return metrics.normalise_for_scoring(text)


def load_translations(data_dir: pathlib.Path, *splits: str) -> dict:
    """utterance id -> Spanish target, from data/<split>.es.jsonl of each split that has one."""
    out = {}
    for split in splits:
        path = data_dir / f"{split}.es.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                out[rec["id"]] = translation_target(rec["es"])
    return out


def load_text_pairs(data_dir: pathlib.Path, sources: list) -> list:
    """(English, Spanish) text-only pairs of the named sources (make_translations.py's
    TEXT_PAIR_SOURCES) from data/text_pairs.es.jsonl, both in target style."""
    path = data_dir / "text_pairs.es.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} not found: run training/make_translations.py first")
    pairs, found = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        source = next((s for s in sources if rec["id"].startswith(s + "-")), None)
        if source is not None:
            found.add(source)
            pairs.append((translation_target(rec["en"]), translation_target(rec["es"])))
    missing = set(sources) - found
    if missing:
        raise SystemExit(f"{path} has no pairs of {sorted(missing)}: run training/make_translations.py again")
    return pairs


def translation_layout(tok: tokmod.Tokenizer, target: str = TARGET_LANGUAGE) -> dataset.PromptLayout:
    """The engine's `--translate` prompt (model/prompt.cpp translation_instruction), audio last."""
    prompt = tokmod.build_audio_prompt(tok, tokmod.translation_instruction(LANGUAGE, target), n_audio=0)
    return dataset.PromptLayout(tok, prompt.prefix, prompt.suffix, tok.id(tokmod.TURN_END),
                                tok.id(tokmod.AUDIO_PLACEHOLDER))


def translation_answer(transcript: str, translation: str, target: str = TARGET_LANGUAGE) -> str:
    """What the translation prompt asks for: the transcription, one newline, "Spanish: ", the translation."""
    return f"{transcript}\n{target}: {translation}"


def split_translation_answer(answer: str, target: str = TARGET_LANGUAGE, tag: str = TARGET_TAG):
    """(transcription, translation or None), as stream/translation_answer.cpp splits an answer:
    the text before the first newline, then the next line that is not blank, less a "Spanish:" or
    "es:" label (any case)."""
    transcription, newline, rest = answer.partition("\n")
    if not newline:
        return transcription, None
    rest = rest.strip(" \t\r\n\f\v").split("\n", 1)[0]  # one line: a second label line is a repeat
    for label in (target, tag):
        if rest[: len(label)].lower() == label.lower():
            after = rest[len(label):].strip(" \t\r\n\f\v")
            if after.startswith(":"):
                rest = after[1:]
                break
    rest = rest.strip(" \t\r\n\f\v")
    return transcription, rest or None


def text_translation_layout(tok: tokmod.Tokenizer, english: str, target: str = TARGET_LANGUAGE,
                            target_tag: str = TARGET_TAG) -> dataset.PromptLayout:
    """A text-only translation request (no audio): the whole prompt is the prefix; the answer is
    the translation alone."""
    request = tokmod.text_translation_request(LANGUAGE, LANGUAGE_TAG, target, target_tag, english)
    return dataset.PromptLayout(tok, tokmod.build_text_prompt(tok, request), [], tok.id(tokmod.TURN_END),
                                tok.id(tokmod.AUDIO_PLACEHOLDER))


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
