#!/usr/bin/python3
"""A deeper model from a trained checkpoint: new decoder layers appended after the
old ones, each starting as (nearly) the identity, so that training goes on from
what the old model knows with more capacity instead of from scratch.

A layer adds post_attn_norm(attention(...)) and post_ffw_norm(ffn(...)) to the
residual stream and scales it by layer_scale; with both post-norm weights at 0
and layer_scale 1 it passes its input through unchanged. At 0 the attention and
the FFN get no gradient until the post-norm weights have moved, so the default
starts them at a small value instead: the grown model's logits move a little,
and the new layers learn from the first step.

Append a multiple of the full-attention period (ModelConfig.full_every, 3) so
every old layer keeps its kind (sliding or full) and the new block ends with a
full layer, as the last layer must be.

  /usr/bin/python3 training/grow_depth.py OUT.pt IN.pt --n_layer 9 [--post_norm_init 0.01]
  /usr/bin/python3 training/train.py --run RUN --init_ckpt OUT.pt --n_layer 9 ...
"""
import argparse
import dataclasses
import pathlib

import torch

from model import Gemma4Audio, ModelConfig


def grow(ckpt: dict, n_layer: int, post_norm_init: float, seed: int = 0) -> dict:
    """A copy of ckpt whose model has n_layer layers: the old ones first, unchanged."""
    old = ModelConfig(**ckpt["model_config"])
    if n_layer <= old.n_layer:
        raise SystemExit(f"--n_layer {n_layer}: the model has {old.n_layer} layers already")
    new = dataclasses.replace(old, n_layer=n_layer)
    kinds_kept = all(old.is_full(i) == new.is_full(i) for i in range(old.n_layer))
    if not kinds_kept:
        raise SystemExit(f"--n_layer {n_layer}: the old layers would change kind (sliding or full); "
                         f"add a multiple of full_every ({old.full_every}) layers")
    torch.manual_seed(seed)
    model = Gemma4Audio(new)
    state = model.state_dict()
    for name, tensor in ckpt["model"].items():
        state[name] = tensor.clone()
    for i in range(old.n_layer, n_layer):
        for norm in ("post_attn_norm", "post_ffw_norm"):
            state[f"layers.{i}.{norm}.weight"].fill_(post_norm_init)
    model.load_state_dict(state)  # every name and shape checked
    out = dict(ckpt)
    out["model"] = model.state_dict()
    out["model_config"] = dataclasses.asdict(new)
    out["train_config"] = dict(ckpt.get("train_config", {}), n_layer=n_layer,
                               grown_from=f"{old.n_layer} layers, post-norm init {post_norm_init}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("ckpt", type=pathlib.Path)
    ap.add_argument("--n_layer", type=int, required=True, help="layers of the grown model")
    ap.add_argument("--post_norm_init", type=float, default=0.01,
                    help="the new layers' post-norm weights (0: exactly the old model's function)")
    ap.add_argument("--seed", type=int, default=0, help="of the new layers' random weights")
    args = ap.parse_args()
    out = grow(torch.load(args.ckpt, map_location="cpu"), args.n_layer, args.post_norm_init, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(out, args.out)
    print(f"wrote {args.out}: {args.n_layer} layers, "
          f"{sum(t.numel() for n, t in out['model'].items() if not n.startswith('logmel.')):,} parameters")


if __name__ == "__main__":
    main()
