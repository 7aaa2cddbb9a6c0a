#!/usr/bin/python3
"""Evaluates a checkpoint as train.py's periodic evaluation does, without training:
greedy CTC CER/WER from the audio alone, and the listening probe (transcript
cross-entropy after the utterance's own audio and after another utterance's).

  /usr/bin/python3 training/evaluate.py training/runs/r04-ce-after-ctc/ckpt.pt [--split dev_libri] [--n 150]

With --split train --set librispeech-mini it measures the same on training
utterances (without augmentation): a train CER near the dev CER means the model
underfits, one far below it that it overfits.

The WER of the shipped task (autoregressive decoding in the C++ engine) comes from
tools/eval_engine.py.
"""
import argparse
import json
import pathlib
import random
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fast_blas  # noqa: E402,F401  (before torch: it drops a slowing OPENBLAS_CORETYPE)

import torch  # noqa: E402

import dataset  # noqa: E402
import train  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=pathlib.Path)
    ap.add_argument("--split", default="dev_libri")
    ap.add_argument("--n", type=int, default=150, help="utterances (the same fixed sample train.py uses)")
    ap.add_argument("--set", default="", help="only utterances of this data set (e.g. librispeech-mini, an4)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data_dir", type=pathlib.Path, default=None,
                    help="another prepared data folder (default: the run's), e.g. one unpacked by gpu_pack.py")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t = train.load_trained(args.checkpoint, args.data_dir)
    split = dataset.SpeechSplit(pathlib.Path(t.cfg.data_dir), args.split)
    pool = [u for u in split.utts if not args.set or u.set == args.set]
    if not pool:
        sys.exit(f"evaluate: no utterances of set {args.set!r} in {args.split}")
    utts = random.Random(0).sample(pool, min(args.n, len(pool)))
    cer, wer, examples, listening = train.evaluate_ctc(t.model, t.ctc_head, split, utts, t.layout, t.cfg, t.units)
    print(json.dumps({"checkpoint": str(args.checkpoint), "step": t.step, "split": args.split,
                      "set": args.set or "all", "n": len(utts),
                      "ctc_cer": round(cer, 4), "ctc_wer": round(wer, 4), **listening,
                      "example": examples[0]}))


if __name__ == "__main__":
    main()
