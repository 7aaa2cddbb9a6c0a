#!/usr/bin/python3
"""Word and character error rates of hypothesis lines against reference lines.

Both files hold "utt-id text" lines; scoring folds case and punctuation (apostrophes
inside words are kept), as earshot's training evaluation does. Utterances missing from
the hypotheses count as empty output.

  /usr/bin/python3 tools/wer.py REF HYP [--sclite]

--sclite also runs sctk's sclite on the same normalised text as a cross-check.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "training"))
import metrics  # noqa: E402


def read_lines(path):
    out = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            utt, _, text = line.partition(" ")
            out[utt] = text.strip()
    return out


def sclite_wer(refs, hyps, ids):
    with tempfile.TemporaryDirectory() as tmp:
        ref_f, hyp_f = pathlib.Path(tmp) / "ref", pathlib.Path(tmp) / "hyp"
        ref_f.write_text("".join(f"{metrics.normalise_for_scoring(r)} ({i})\n" for r, i in zip(refs, ids)))
        hyp_f.write_text("".join(f"{metrics.normalise_for_scoring(h)} ({i})\n" for h, i in zip(hyps, ids)))
        out = subprocess.run(["sctk", "sclite", "-r", str(ref_f), "trn", "-h", str(hyp_f), "trn", "-i", "rm",
                              "-o", "sum", "stdout"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if "Sum/Avg" in line:
                return line
    return "sclite: no summary line"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ref")
    parser.add_argument("hyp")
    parser.add_argument("--sclite", action="store_true")
    args = parser.parse_args()
    ref, hyp = read_lines(args.ref), read_lines(args.hyp)
    ids = sorted(ref)
    refs = [ref[i] for i in ids]
    hyps = [hyp.get(i, "") for i in ids]
    missing = sum(1 for i in ids if i not in hyp)
    print(f"utterances {len(ids)} (missing {missing})  WER {100 * metrics.wer(refs, hyps):.2f}%  "
          f"CER {100 * metrics.cer(refs, hyps):.2f}%")
    if args.sclite:
        print("sclite:", sclite_wer(refs, hyps, ids))


if __name__ == "__main__":
    main()
