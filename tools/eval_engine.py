#!/usr/bin/python3
"""WER and CER of a model on the fixed dev sets, decoded by earshot's C++ engine.

The number the model card quotes: the checkpoint (or GGUF) goes through
`earshot transcribe --list`, exactly as users run it, and the output is scored
like tools/wer.py does. A checkpoint is exported to Q8_0 first.

  /usr/bin/python3 tools/eval_engine.py --ckpt training/runs/r04/ckpt.pt
  /usr/bin/python3 tools/eval_engine.py --gguf models/earshot-default.gguf --split dev_other

Writes <out>/<split>.{list,ref,hyp} (default out: a folder beside the checkpoint,
or /tmp for a GGUF) and prints one line per split.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import wer  # noqa: E402


def export(ckpt: pathlib.Path, tokenizer: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    gguf = out / "model.q8_0.gguf"
    subprocess.run([sys.executable, str(ROOT / "training" / "export_gguf.py"), str(ckpt), "--tokenizer",
                    str(tokenizer), "--type", "q8_0", "--single", str(gguf), "--name", ckpt.parent.name],
                   check=True, stdout=subprocess.DEVNULL)
    return gguf


def evaluate(gguf: pathlib.Path, split: str, data_dir: pathlib.Path, out: pathlib.Path, earshot: pathlib.Path,
             threads: int) -> str:
    utts = [json.loads(line) for line in (data_dir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    (out / f"{split}.list").write_text("".join(f"{u['id']} {u['path']}\n" for u in utts))
    (out / f"{split}.ref").write_text("".join(f"{u['id']} {u['text']}\n" for u in utts))
    start = time.time()
    hyp = subprocess.run([str(earshot), "transcribe", "--model", str(gguf), "--threads", str(threads), "--list",
                          str(out / f"{split}.list")], check=True, capture_output=True, text=True).stdout
    seconds = time.time() - start
    (out / f"{split}.hyp").write_text(hyp)
    ref, got = wer.read_lines(out / f"{split}.ref"), wer.read_lines(out / f"{split}.hyp")
    ids = sorted(ref)
    refs, hyps = [ref[i] for i in ids], [got.get(i, "") for i in ids]
    audio_s = sum(u["n_samples"] for u in utts) / 16000
    return (f"{split}: {len(ids)} utt. WER {100 * wer.metrics.wer(refs, hyps):.1f}% "
            f"CER {100 * wer.metrics.cer(refs, hyps):.1f}% (missing {sum(i not in got for i in ids)}; "
            f"{seconds:.0f} s for {audio_s / 60:.1f} min of audio, {threads} thread(s))")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--ckpt", type=pathlib.Path, help="a checkpoint of training/train.py")
    which.add_argument("--gguf", type=pathlib.Path, help="a GGUF model")
    ap.add_argument("--split", nargs="+", default=["dev_libri", "dev_other"])
    ap.add_argument("--data", type=pathlib.Path, default=ROOT / "training" / "data")
    ap.add_argument("--tokenizer", type=pathlib.Path, default=ROOT / "training" / "data" / "tokenizer-1024.json")
    ap.add_argument("--earshot", type=pathlib.Path, default=ROOT / "build" / "cli" / "earshot")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=pathlib.Path)
    args = ap.parse_args()
    if not args.earshot.exists():
        sys.exit(f"{args.earshot} not found: build the project first (cmake --build build)")
    out = args.out or (args.ckpt.parent / "eval" if args.ckpt else pathlib.Path("/tmp/earshot-eval"))
    out.mkdir(parents=True, exist_ok=True)
    gguf = export(args.ckpt, args.tokenizer, out) if args.ckpt else args.gguf
    for split in args.split:
        print(evaluate(gguf, split, args.data, out, args.earshot, args.threads), flush=True)


if __name__ == "__main__":
    main()
