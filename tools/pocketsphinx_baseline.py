#!/usr/bin/python3
"""Runs Debian's pocketsphinx (pocketsphinx-en-us: its acoustic model, language model and
dictionary) on a dev split prepared by training/prepare_data.py and scores it with the
same WER as earshot's evaluation. The peer the bundled model must beat.

  /usr/bin/python3 tools/pocketsphinx_baseline.py --split dev_libri [--out docs/model/baseline]

Writes <out>/<split>.pocketsphinx.hyp ("utt-id text" lines) and prints WER, CER and the
real-time factor (pocketsphinx_batch wall time / audio duration, one core).
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import time

import soundfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "training"))
import dataset  # noqa: E402
import metrics  # noqa: E402

MODEL = pathlib.Path("/usr/share/pocketsphinx/model/en-us")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev_libri")
    parser.add_argument("--data", type=pathlib.Path, default=HERE.parent / "training" / "data")
    parser.add_argument("--out", type=pathlib.Path, default=HERE.parent / "docs" / "model" / "baseline")
    args = parser.parse_args()
    split = dataset.SpeechSplit(args.data, args.split)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        ctl = []
        for u in split.utts:
            soundfile.write(tmp / f"{u.id}.wav", split.samples(u), 16000, subtype="PCM_16")
            ctl.append(u.id)
        (tmp / "ctl").write_text("\n".join(ctl) + "\n")
        hyp_raw = tmp / "hyp"
        t0 = time.time()
        subprocess.run(["pocketsphinx_batch", "-adcin", "yes", "-adchdr", "44", "-cepdir", str(tmp),
                        "-cepext", ".wav", "-ctl", str(tmp / "ctl"), "-hyp", str(hyp_raw),
                        "-hmm", str(MODEL / "en-us"), "-lm", str(MODEL / "en-us.lm.bin"),
                        "-dict", str(MODEL / "cmudict-en-us.dict"), "-logfn", str(tmp / "log")], check=True)
        wall = time.time() - t0
        hyps = {}
        for line in hyp_raw.read_text().splitlines():
            # "words words (utt-id score)"
            text, _, tail = line.rpartition(" (")
            hyps[tail.split()[0]] = text.strip()
    refs = [u.text for u in split.utts]
    hyp_list = [hyps.get(u.id, "") for u in split.utts]
    with open(args.out / f"{args.split}.pocketsphinx.hyp", "w") as f:
        for u, h in zip(split.utts, hyp_list):
            f.write(f"{u.id} {h}\n")
    audio_s = sum(u.n_samples for u in split.utts) / 16000
    print(f"pocketsphinx {args.split}: {len(refs)} utterances, {audio_s / 60:.1f} min, "
          f"WER {100 * metrics.wer(refs, hyp_list):.1f}%, CER {100 * metrics.cer(refs, hyp_list):.1f}%, "
          f"RTF {wall / audio_s:.3f} (1 core, wall {wall:.0f} s)")


if __name__ == "__main__":
    main()
