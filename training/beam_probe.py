#!/usr/bin/python3
"""Would beam search help? Greedy and beam answers of one checkpoint on a dev split.

A decode-time probe for the experiment log, in PyTorch (full recompute per token,
so slow: about 1.5 s an utterance of dev_other): the beam keeps the k best
prefixes, a finished answer scores its log-probability over (length + 1) ** alpha,
and a prefix that starts looping is dropped, as the engine's greedy guard stops it.

  /usr/bin/python3 training/beam_probe.py CKPT --split dev_other --k 4 --alpha 1.0
"""
import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fast_blas  # noqa: E402,F401  (before torch: it drops a slowing OPENBLAS_CORETYPE)

import torch  # noqa: E402

import dataset  # noqa: E402
import metrics  # noqa: E402
import train  # noqa: E402


@torch.no_grad()
def beam_decode(model, samples, layout, max_new: int, k: int, alpha: float) -> str:
    batch = dataset.make_batch([(samples, "")], layout, 0)
    prompt_len = len(layout.prefix) + int(batch.n_frames[0]) + len(layout.suffix)
    prompt = batch.tokens[0, :prompt_len]
    stops = {layout.end, layout.tok.eos_id}
    beams = [([], 0.0)]  # (answer ids, log-probability)
    finished = []        # (normalised score, answer ids)
    for _ in range(max_new):
        tokens = torch.stack([torch.cat([prompt, torch.tensor(ids, dtype=prompt.dtype)]) for ids, _ in beams])
        audio_mask = torch.zeros_like(tokens, dtype=torch.bool)
        audio_mask[:, :prompt_len] = batch.audio_mask[0, :prompt_len]
        logits, _ = model(tokens, batch.samples.expand(len(beams), -1), audio_mask,
                          torch.ones_like(tokens, dtype=torch.bool))
        log_probs = torch.log_softmax(logits[:, -1].float(), -1)
        candidates = []
        for row, (ids, score) in enumerate(beams):
            top = torch.topk(log_probs[row], k)
            candidates += [(score + v, ids, t) for v, t in zip(top.values.tolist(), top.indices.tolist())]
        candidates.sort(key=lambda c: -c[0])
        beams = []
        for score, ids, token in candidates:
            if token in stops:
                finished.append((score / (len(ids) + 1) ** alpha, ids))
            elif not metrics.is_looping(ids + [token]):
                beams.append((ids + [token], score))
            if len(beams) == k:
                break
        if not beams or len(finished) >= k:
            break
    if not finished:  # the length bound ended every prefix
        finished = [(score / (len(ids) + 1) ** alpha, ids) for ids, score in beams]
    return layout.tok.decode(max(finished, key=lambda f: f[0])[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=pathlib.Path)
    ap.add_argument("--split", default="dev_other")
    ap.add_argument("--limit", type=int, default=0, help="the first N utterances (default: all)")
    ap.add_argument("--k", type=int, default=4, help="beam width")
    ap.add_argument("--alpha", type=float, default=1.0, help="length normalisation exponent")
    args = ap.parse_args()
    torch.set_num_threads(1)
    t = train.load_trained(args.checkpoint)
    split = dataset.SpeechSplit(pathlib.Path(t.cfg.data_dir), args.split)
    utts = split.utts[: args.limit] if args.limit else split.utts
    refs, greedy, beam = [], [], []
    for u in utts:
        samples = split.samples(u)
        max_new = train.transcription_bound(len(samples))
        refs.append(dataset.normalise_target(u.text))
        greedy.append(train.greedy_decode(t.model, samples, t.layout, max_new))
        beam.append(beam_decode(t.model, samples, t.layout, max_new, args.k, args.alpha))
    print(json.dumps({"checkpoint": str(args.checkpoint), "split": args.split, "n": len(utts), "k": args.k,
                      "alpha": args.alpha,
                      "greedy": {"wer": round(metrics.wer(refs, greedy), 4), "cer": round(metrics.cer(refs, greedy), 4)},
                      "beam": {"wer": round(metrics.wer(refs, beam), 4), "cer": round(metrics.cer(refs, beam), 4)}}))


if __name__ == "__main__":
    main()
