#!/usr/bin/python3
"""Average the weights of checkpoints that share one ancestor (a "model soup").

Two runs fine-tuned from the same weights usually stay in one basin of the loss,
so their mean is a model too, and it can keep what each run learned: one run's
transcription and the other's translation, say. Every float tensor of `model`,
`ctc_head` and `phone_head` is averaged; the configs and the step are the first
checkpoint's, and its train_config records the sources.

  /usr/bin/python3 training/average_ckpts.py OUT.pt A.pt B.pt [--weights 0.5,0.5] [--take embed.=2]
"""
import argparse
import pathlib

import torch

PARTS = ("model", "ctc_head", "phone_head")


def average(ckpts: list, weights: list, take: dict = None) -> dict:
    """take: {name prefix: index}: tensors of `model` whose names start with the
    prefix are copied from that checkpoint instead of averaged."""
    take = take or {}
    first = ckpts[0]
    for other in ckpts[1:]:
        if other["model_config"] != first["model_config"]:
            raise SystemExit("the checkpoints have different model configs: nothing to average")
    out = dict(first)
    for part in PARTS:
        if part not in first:
            continue
        merged = {}
        for name, tensor in first[part].items():
            source = next((i for prefix, i in take.items() if part == "model" and name.startswith(prefix)), None)
            if source is not None:
                merged[name] = ckpts[source][part][name]
                continue
            if not tensor.is_floating_point():
                merged[name] = tensor
                continue
            merged[name] = sum(w * c[part][name].float() for w, c in zip(weights, ckpts)).to(tensor.dtype)
        out[part] = merged
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("ckpts", type=pathlib.Path, nargs="+")
    ap.add_argument("--weights", default="", help="comma-separated, summing to 1 (default: equal)")
    ap.add_argument("--take", action="append", default=[], metavar="PREFIX=K",
                    help="copy the model tensors named PREFIX... from the K-th checkpoint (1-based) instead")
    args = ap.parse_args()
    weights = [float(w) for w in args.weights.split(",")] if args.weights else [1 / len(args.ckpts)] * len(args.ckpts)
    if len(weights) != len(args.ckpts) or abs(sum(weights) - 1) > 1e-6:
        raise SystemExit("--weights needs one weight per checkpoint, summing to 1")
    take = {}
    for item in args.take:
        prefix, _, k = item.partition("=")
        if not k.isdigit() or not 1 <= int(k) <= len(args.ckpts):
            raise SystemExit(f"--take {item}: want PREFIX=K with K from 1 to {len(args.ckpts)}")
        take[prefix] = int(k) - 1
    ckpts = [torch.load(p, map_location="cpu") for p in args.ckpts]
    out = average(ckpts, weights, take)
    out["train_config"] = dict(out["train_config"], run=args.out.parent.name,
                               averaged_from=[f"{p} x {w}" for p, w in zip(args.ckpts, weights)], taken=args.take)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(out, args.out)
    print(f"wrote {args.out}: the mean of {len(ckpts)} checkpoints")


if __name__ == "__main__":
    main()
