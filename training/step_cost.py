#!/usr/bin/python3
"""Times training steps of model configurations side by side, for comparisons at equal
compute (a run of a larger model against its parent at proportionally more steps).

The configurations alternate step by step in one process on the same batch (two
training utterances of 5-8 s), so the shared machine's load falls on all of them
alike; prints the median seconds per step of each and the ratios to the first.

  /usr/bin/python3 training/step_cost.py "" "n_embd=384,n_head=6,n_ff=1536"

Each argument is a comma-separated list of train.py config fields ("" = defaults).
The steps are timed as step 0 of a run: with ce_start_step=0 (the default here) the
decoder's cross-entropy is on, with ce_start_step=1000000 off (a CTC-only phase).
"""
import argparse
import pathlib
import statistics
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fast_blas  # noqa: E402,F401  (before torch: it drops a slowing OPENBLAS_CORETYPE)

import torch  # noqa: E402

import ctc  # noqa: E402
import dataset  # noqa: E402
import text_io  # noqa: E402
import train  # noqa: E402
from model import Gemma4Audio  # noqa: E402


def config_of(text: str) -> train.TrainConfig:
    """train.py's config with "field=value,..." applied over this script's defaults."""
    argv = ["--ctc_units", "chars", "--ce_start_step", "0"]
    for item in filter(None, text.split(",")):
        name, value = item.split("=")
        argv += [f"--{name}", value]
    return train.parse_config(argv)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("configs", nargs="+", help="overrides of train.py's config, e.g. n_embd=384,n_head=6")
    ap.add_argument("--steps", type=int, default=12, help="timed steps of each (the first 2 are warm-up)")
    ap.add_argument("--data_dir", type=pathlib.Path, default=HERE / "data")
    args = ap.parse_args()
    torch.set_num_threads(1)
    tok = text_io.load_or_train_tokenizer(args.data_dir, train.TrainConfig.vocab_size)
    layout = text_io.transcription_layout(tok)
    split = dataset.SpeechSplit(args.data_dir, "train")
    utts = [u for u in split.utts if 5 * 16000 < u.n_samples < 8 * 16000][:2]
    batch = dataset.make_batch([(split.samples(u), dataset.normalise_target(u.text)) for u in utts], layout,
                               tok.pad_id)
    setups = []
    for text in args.configs:
        cfg = config_of(text)
        model = Gemma4Audio(train.model_config(cfg, len(tok)))
        units = ctc.CtcUnits(cfg.ctc_units, tok)
        head = ctc.CtcHead(cfg.n_embd, units.size, cfg.ctc_per_frame)
        params = list(model.parameters()) + list(head.parameters())
        phone = train.make_phone_head(cfg, args.data_dir, batch.texts)
        if phone:
            params += list(phone[0].parameters())
        opt = torch.optim.AdamW(params, lr=1e-4)
        setups.append((text or "defaults", cfg, model, units, head, phone, opt, []))
    for _ in range(args.steps):
        for _, cfg, model, units, head, phone, opt, times in setups:
            start = time.perf_counter()
            losses = train.train_step_losses(model, head, batch, cfg, 0, units, phone)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            opt.step()
            times.append(time.perf_counter() - start)
    base = statistics.median(setups[0][-1][2:])
    for name, _, model, *_, times in setups:
        median = statistics.median(times[2:])
        n_params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {n_params / 1e6:.2f} M parameters, {median:.3f} s a step, {median / base:.2f} x")


if __name__ == "__main__":
    main()
