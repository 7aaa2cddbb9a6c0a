#!/usr/bin/python3
"""Decodes the speech sets once into compact arrays, so training never decodes audio.

Writes, under --out (default training/data/):
  <split>.pcm.npy   int16 16 kHz mono samples of every utterance of the split, concatenated
  <split>.jsonl     one line per utterance: id, set, speaker, text, offset, n_samples, path
  splits.json       which speakers are held out, and the figures of each split

Splits (fixed; the dev speakers are never trained on):
  dev_libri  two LibriSpeech speakers (one female, one male)
  dev_other  held-out speakers of an4 (spelled letters/digits) and commonvoice (accents)
  train      everything else

Usage: /usr/bin/python3 training/prepare_data.py [--data ../shared/data] [--out training/data]
"""
import argparse
import json
import pathlib
import sys

import numpy as np
import soundfile

SAMPLE_RATE = 16000
SETS = ["librispeech-mini", "an4", "commonvoice-sample", "ljspeech-part", "arctic-kathleen"]
DEV_LIBRI_SPEAKERS = {"1088", "2136"}
# Every fifth speaker (sorted) of the multi-speaker non-audiobook sets.
DEV_OTHER_SETS = {"an4": 5, "commonvoice-sample": 5}


def read_transcripts(set_dir: pathlib.Path):
    for trans in sorted(set_dir.glob("train/*/*/*.trans.txt")):
        for line in trans.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            utt_id, _, text = line.partition(" ")
            audio = trans.parent / f"{utt_id}.opus"
            speaker = trans.parent.parent.name
            yield utt_id, speaker, text.strip(), audio


def dev_other_speakers(data: pathlib.Path):
    held = set()
    for set_name, every in DEV_OTHER_SETS.items():
        speakers = sorted(p.name for p in (data / set_name / "train").iterdir() if p.is_dir())
        held.update((set_name, s) for s in speakers[::every])
    return held


def load_pcm16(path: pathlib.Path) -> np.ndarray:
    audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE:
        raise SystemExit(f"{path}: sample rate {rate}, expected {SAMPLE_RATE}")
    mono = audio.mean(axis=1)
    return np.clip(np.round(mono * 32767.0), -32768, 32767).astype(np.int16)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = pathlib.Path(__file__).resolve().parent
    parser.add_argument("--data", type=pathlib.Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--out", type=pathlib.Path, default=here / "data")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"speech data not found at {args.data} (give --data)")
    args.out.mkdir(parents=True, exist_ok=True)

    held_other = dev_other_speakers(args.data)
    splits = {"train": [], "dev_libri": [], "dev_other": []}
    for set_name in SETS:
        for utt_id, speaker, text, audio in read_transcripts(args.data / set_name):
            if set_name == "librispeech-mini" and speaker in DEV_LIBRI_SPEAKERS:
                split = "dev_libri"
            elif (set_name, speaker) in held_other:
                split = "dev_other"
            else:
                split = "train"
            splits[split].append({"id": utt_id, "set": set_name, "speaker": speaker, "text": text,
                                  "path": str(audio)})

    summary = {"dev_libri_speakers": sorted(DEV_LIBRI_SPEAKERS),
               "dev_other_speakers": sorted(f"{s}/{p}" for s, p in held_other), "splits": {}}
    for split, utts in splits.items():
        pieces, offset = [], 0
        for i, utt in enumerate(utts):
            pcm = load_pcm16(pathlib.Path(utt["path"]))
            utt["offset"], utt["n_samples"] = offset, len(pcm)
            offset += len(pcm)
            pieces.append(pcm)
            if i % 500 == 0:
                print(f"{split}: {i}/{len(utts)}", file=sys.stderr, flush=True)
        np.save(args.out / f"{split}.pcm.npy", np.concatenate(pieces))
        with open(args.out / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for utt in utts:
                f.write(json.dumps(utt) + "\n")
        hours = offset / SAMPLE_RATE / 3600
        by_set = {}
        for utt in utts:
            by_set[utt["set"]] = by_set.get(utt["set"], 0) + utt["n_samples"] / SAMPLE_RATE / 3600
        summary["splits"][split] = {"utterances": len(utts), "hours": round(hours, 3),
                                    "hours_by_set": {k: round(v, 3) for k, v in by_set.items()}}
        print(f"{split}: {len(utts)} utterances, {hours:.2f} h", file=sys.stderr)
    (args.out / "splits.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
