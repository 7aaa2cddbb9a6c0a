#!/usr/bin/python3
"""Word timings of the training utterances, from a checkpoint's CTC head.

Each utterance's reference characters are force-aligned (Viterbi) to the CTC
head's output over its audio; a word's span is the frames where its first and
last characters are emitted. train.py's --crop_prob uses the spans to cut short
clips of a few words with their exact text (word_crops.py).

  /usr/bin/python3 training/align_words.py training/runs/r04-ce-after-ctc/ckpt.pt \
      --out training/data/train.words.jsonl

Writes one line per utterance: {"id": ..., "words": [[first_frame, last_frame], ...]}
(frames of 40 ms from the start of the utterance); an utterance that cannot be
aligned (audio too short for its text) is left out.
"""
import argparse
import json
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fast_blas  # noqa: E402,F401  (before torch: it drops a slowing OPENBLAS_CORETYPE)

import torch  # noqa: E402

import dataset  # noqa: E402
import guided_attention  # noqa: E402
import train  # noqa: E402


def word_spans(text: str, char_frames: list, keep: str):
    """[first_frame, last_frame] of each word of text, from the frames of its kept characters;
    a word without any (a lone dash) gets the frame of the space before it."""
    spans, at = [], 0
    for word in text.split(" "):
        n = sum(1 for c in word if c in keep)
        if n:
            spans.append([char_frames[at], char_frames[at + n - 1]])
        else:
            frame = char_frames[max(0, at - 1)] if char_frames else 0
            spans.append([frame, frame])
        at += n + 1  # the space after the word is a CTC label too
    return spans


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=pathlib.Path)
    ap.add_argument("--split", default="train")
    ap.add_argument("--out", type=pathlib.Path, required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t = train.load_trained(args.checkpoint)
    model, head, units, tok, layout = t.model, t.ctc_head, t.units, t.tok, t.layout
    if units.kind != "chars":
        raise SystemExit("word timings need a checkpoint trained with --ctc_units chars")
    ctc_layer = t.cfg.ctc_layer
    split = dataset.SpeechSplit(pathlib.Path(t.cfg.data_dir), args.split)
    order = sorted(range(len(split.utts)), key=lambda i: split.utts[i].n_samples)
    start, n_done, n_failed = time.time(), 0, 0
    # Written beside the target and renamed when complete, so an interrupted run leaves no
    # partial file that reproduce.sh would take for a finished alignment.
    partial = f"{args.out}.partial"
    with open(partial, "w", encoding="utf-8") as out:
        for b in range(0, len(order), 8):
            utts = [split.utts[i] for i in order[b: b + 8]]
            items = [(split.samples(u), dataset.normalise_target(u.text)) for u in utts]
            batch = dataset.make_batch(items, layout, tok.pad_id)
            _, hidden = model(batch.tokens, batch.samples, batch.audio_mask, batch.key_mask)
            h = hidden[ctc_layer]
            for r, utt in enumerate(utts):
                log_probs = torch.log_softmax(head(h[r][batch.audio_mask[r]]).float(), -1).numpy()
                text = items[r][1]
                frames = guided_attention.ctc_forced_alignment(log_probs, units.targets(batch)[r], units.blank,
                                                                     t.cfg.ctc_per_frame)
                if not frames:
                    n_failed += 1
                    continue
                out.write(json.dumps({"id": utt.id, "words": word_spans(text, frames, units.CHARS)}) + "\n")
            n_done += len(utts)
            if (b // 8) % 50 == 0:
                print(f"{n_done}/{len(order)} utterances, {time.time() - start:.0f} s", file=sys.stderr, flush=True)
    os.replace(partial, args.out)
    print(f"aligned {n_done - n_failed} of {n_done} utterances in {time.time() - start:.0f} s ({n_failed} failed)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
