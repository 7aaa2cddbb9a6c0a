#!/usr/bin/python3
"""WER and CER of a model on the fixed dev sets, decoded by earshot's C++ engine.

The number the model card quotes: the checkpoint (or GGUF) goes through
`earshot transcribe --list`, exactly as users run it, and the output is scored
like tools/wer.py does. A checkpoint is exported to Q8_0 first, naming a 4 s
window as the shipped file does (--window-seconds; experiment log d07), and
with its character CTC head, which the engine's beam search then uses as it
does the shipped file's (--no-ctc-head: without; experiment log d08).

  /usr/bin/python3 tools/eval_engine.py --ckpt training/runs/r04/ckpt.pt
  /usr/bin/python3 tools/eval_engine.py --gguf models/earshot-default.gguf --split dev_other
  /usr/bin/python3 tools/eval_engine.py --gguf M.gguf --translate es --split dev_libri --limit 20

Writes <out>/<split>.{list,ref,hyp} (default out: a folder beside the checkpoint,
or /tmp for a GGUF) and prints one line per split, and one per data set of a split
that mixes several (dev_other: an4 and commonvoice-sample).

--translate es: the engine runs its translation prompt (`earshot transcribe
--translate es --json`); the line gives the WER and CER of the transcription part
and the chrF (sacrebleu's default: character 1-6-grams, beta 2, whitespace
dropped) of the translation part against apertium's translation of the reference
transcript (training/data/<split>.es.jsonl, from training/make_translations.py),
both sides case- and punctuation-folded as the model's targets are. Beside it,
the chrF of the same translations against other utterances' references (each
answer scored against the reference half the split away): what Spanish-looking
text scores without saying what was heard. Only the difference between the two
is translation. Also writes <split>.es.{ref,hyp}.
"""
import argparse
import dataclasses
import json
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import wer  # noqa: E402


def export(ckpt: pathlib.Path, tokenizer: pathlib.Path, out: pathlib.Path, window_seconds: float,
           ctc_head: bool) -> pathlib.Path:
    gguf = out / "model.q8_0.gguf"
    subprocess.run([sys.executable, str(ROOT / "training" / "export_gguf.py"), str(ckpt), "--tokenizer",
                    str(tokenizer), "--type", "q8_0", "--single", str(gguf), "--name", ckpt.parent.name,
                    "--window-seconds", str(window_seconds)] + (["--ctc-head"] if ctc_head else []),
                   check=True, stdout=subprocess.DEVNULL)
    return gguf


def evaluate(gguf: pathlib.Path, split: str, data_dir: pathlib.Path, out: pathlib.Path, earshot: pathlib.Path,
             threads: int, limit: int = 0, decode_args: list = ()) -> str:
    utts = read_split(data_dir, split, limit)
    (out / f"{split}.list").write_text("".join(f"{u['id']} {u['path']}\n" for u in utts))
    (out / f"{split}.ref").write_text("".join(f"{u['id']} {u['text']}\n" for u in utts))
    start = time.time()
    hyp = subprocess.run([str(earshot), "transcribe", "--model", str(gguf), "--threads", str(threads), "--list",
                          str(out / f"{split}.list"), *decode_args], check=True, capture_output=True, text=True).stdout
    seconds = time.time() - start
    (out / f"{split}.hyp").write_text(hyp)
    ref, got = wer.read_lines(out / f"{split}.ref"), wer.read_lines(out / f"{split}.hyp")
    ids = sorted(ref)
    audio_s = sum(u["n_samples"] for u in utts) / 16000
    line = (f"{split}: {error_rates(ref, got, ids)} (missing {sum(i not in got for i in ids)}; "
            f"{seconds:.0f} s for {audio_s / 60:.1f} min of audio, {threads} thread(s))")
    sets = sorted({u["set"] for u in utts})
    if len(sets) > 1:  # dev_other mixes an4's commands with commonvoice's sentences
        line += "".join(f"\n  of which {name}: "
                        + error_rates(ref, got, sorted(u["id"] for u in utts if u["set"] == name))
                        for name in sets)
    return line


def error_rates(ref: dict, got: dict, ids: list) -> str:
    refs, hyps = [ref[i] for i in ids], [got.get(i, "") for i in ids]
    return (f"{len(ids)} utt. WER {100 * wer.metrics.wer(refs, hyps):.1f}% "
            f"CER {100 * wer.metrics.cer(refs, hyps):.1f}%")


def read_split(data_dir: pathlib.Path, split: str, limit: int = 0) -> list:
    utts = [json.loads(line) for line in (data_dir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    return utts[:limit] if limit else utts


def read_references(data_dir: pathlib.Path, split: str, tag: str) -> dict:
    path = data_dir / f"{split}.{tag}.jsonl"
    if not path.exists():
        sys.exit(f"{path} not found: run training/make_translations.py first")
    return {rec["id"]: rec[tag] for rec in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


@dataclasses.dataclass
class TranslationScores:
    n_utts: int
    n_missing: int          # utterances the engine printed nothing for
    n_untranslated: int     # answers without a translation part
    wer: float
    cer: float
    chrf: float
    chrf_mismatched: float  # the same translations against other utterances' references


def score_translations(refs: dict, refs_tr: dict, answers: dict) -> TranslationScores:
    """refs: id -> reference transcript; refs_tr: id -> reference translation; answers: id ->
    the engine's {"text", "translation"}. Utterances without a reference translation are skipped."""
    ids = sorted(i for i in refs if i in refs_tr)
    got = [answers.get(i, {}) for i in ids]
    hyp_tr = [a.get("translation", "") for a in got]
    fold = wer.metrics.normalise_for_scoring
    trans_refs, trans_hyps = [refs[i] for i in ids], [a.get("text", "") for a in got]
    folded_refs, folded_hyps = [fold(refs_tr[i]) for i in ids], [fold(h) for h in hyp_tr]
    half = len(ids) // 2
    return TranslationScores(
        n_utts=len(ids), n_missing=sum(i not in answers for i in ids),
        n_untranslated=sum(not h.strip() for h in hyp_tr),
        wer=wer.metrics.wer(trans_refs, trans_hyps), cer=wer.metrics.cer(trans_refs, trans_hyps),
        chrf=wer.metrics.chrf(folded_refs, folded_hyps),
        chrf_mismatched=wer.metrics.chrf(folded_refs[half:] + folded_refs[:half], folded_hyps))


def evaluate_translation(gguf: pathlib.Path, split: str, tag: str, data_dir: pathlib.Path, out: pathlib.Path,
                         earshot: pathlib.Path, threads: int, limit: int = 0, decode_args: list = ()) -> str:
    utts = read_split(data_dir, split, limit)
    refs_tr = read_references(data_dir, split, tag)
    (out / f"{split}.list").write_text("".join(f"{u['id']} {u['path']}\n" for u in utts))
    (out / f"{split}.ref").write_text("".join(f"{u['id']} {u['text']}\n" for u in utts))
    (out / f"{split}.{tag}.ref").write_text("".join(f"{u['id']} {refs_tr.get(u['id'], '')}\n" for u in utts))
    start = time.time()
    lines = subprocess.run([str(earshot), "transcribe", "--model", str(gguf), "--threads", str(threads), "--list",
                            str(out / f"{split}.list"), "--translate", tag, "--json", *decode_args], check=True, capture_output=True,
                           text=True).stdout
    seconds = time.time() - start
    answers = {a["id"]: a for a in map(json.loads, filter(str.strip, lines.splitlines()))}
    (out / f"{split}.hyp").write_text("".join(f"{i} {a.get('text', '')}\n" for i, a in answers.items()))
    (out / f"{split}.{tag}.hyp").write_text("".join(f"{i} {a.get('translation', '')}\n" for i, a in answers.items()))
    s = score_translations({u["id"]: u["text"] for u in utts}, refs_tr, answers)
    audio_s = sum(u["n_samples"] for u in utts) / 16000
    return (f"{split} --translate {tag}: {s.n_utts} utt. transcription WER {100 * s.wer:.1f}% CER {100 * s.cer:.1f}%, "
            f"translation chrF {s.chrf:.1f} (vs apertium; {s.chrf_mismatched:.1f} against other utterances'; "
            f"{s.n_untranslated} without a translation, missing "
            f"{s.n_missing}; {seconds:.0f} s for {audio_s / 60:.1f} min of audio, {threads} thread(s))")


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
    ap.add_argument("--translate", metavar="TAG", help="run the translation prompt into this language (es)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N utterances of each split")
    ap.add_argument("--out", type=pathlib.Path)
    ap.add_argument("--window-seconds", type=float, default=4.0,
                    help="--ckpt: the window the exported file names, as the shipped one does (0: none, "
                         "whole clips up to the clip limit; experiment log d07)")
    ap.add_argument("--no-ctc-head", dest="ctc_head", action="store_false",
                    help="--ckpt: export without the character CTC head, so decoding does not use it "
                         "(by default it goes with the file, as in the shipped one; experiment log d08)")
    ap.add_argument("--decode", default="", help="more `earshot transcribe` options, one string: "
                    "\"--beam 8 --lm training/data/words-3gram.arpa --lm-weight 0.5\"")
    args = ap.parse_args()
    if not args.earshot.exists():
        sys.exit(f"{args.earshot} not found: build the project first (cmake --build build)")
    out = args.out or (args.ckpt.parent / "eval" if args.ckpt else pathlib.Path("/tmp/earshot-eval"))
    out.mkdir(parents=True, exist_ok=True)
    gguf = export(args.ckpt, args.tokenizer, out, args.window_seconds, args.ctc_head) if args.ckpt else args.gguf
    for split in args.split:
        if args.translate:
            print(evaluate_translation(gguf, split, args.translate, args.data, out, args.earshot, args.threads,
                                       args.limit, args.decode.split()), flush=True)
        else:
            print(evaluate(gguf, split, args.data, out, args.earshot, args.threads, args.limit, args.decode.split()),
                  flush=True)


if __name__ == "__main__":
    main()
