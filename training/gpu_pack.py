#!/usr/bin/python3
"""Moves training data and weights to a GPU machine in pieces small enough to travel.

The lent GPU machine takes at most 64 MiB per call, the repository included, and
cannot read ../shared, so the prepared data (prepare_data.py) travels coded:
  --codec mulaw  8-bit mu-law (about 38 dB SNR, under the training noise
                 augmentation), lzma-compressed to about 0.55 bytes a sample, in parts;
  --codec opus   Opus at --bitrate (16 kbit/s: about 0.12 bytes a sample, so g01's
                 4.9 hours take about 35 MB, one call with the weights); libopus
                 travels in the pack for a machine without it (opus_codec.py).
Checkpoints go as model + CTC head (and the phoneme head, where there is one)
without the optimizer, cut in two (each part under the 16 MiB a returned file may
have), in float16 with --half.

  gpu_pack.py data DATA_DIR OUT --sets librispeech-mini,an4 --parts 3 --dev 60
  gpu_pack.py data DATA_DIR OUT --codec opus --parts 1
  gpu_pack.py undata PART_DIR DATA_DIR             # on the GPU machine: all parts present
  gpu_pack.py weights CKPT OUT [--half]            # OUT.0 and OUT.1
  gpu_pack.py unweights OUT CKPT                   # joins them again
"""
import argparse
import json
import lzma
import pathlib
import random
import shutil

import numpy as np
import torch

from opus_codec import OpusCodec
from phonemes import LEXICON_FILE

MU = 255
KEEP = ("tokenizer-1024.json",)
# When made: the translation task's text-only pairs, the phoneme head's lexicon
# (the GPU machine has no espeak-ng to make it).
OPTIONAL = ("text_pairs.es.jsonl", LEXICON_FILE)
PART_SUFFIX = {"mulaw": "xz", "opus": "bin"}
INDEX = "index.json.xz"
SPLITS = ("train", "dev_libri")  # in the order the pack holds them


def mulaw_encode(pcm16: np.ndarray) -> np.ndarray:
    x = pcm16.astype(np.float32) / 32768.0
    y = np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)
    return np.clip(np.round((y + 1) / 2 * 255), 0, 255).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    y = codes.astype(np.float32) / 255 * 2 - 1
    x = np.sign(y) * ((1 + MU) ** np.abs(y) - 1) / MU
    return np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)


def select(data_dir, split, keep, limit=None, seed=0):
    utts = [json.loads(line) for line in open(data_dir / f"{split}.jsonl", encoding="utf-8")]
    utts = [u for u in utts if keep(u)]
    if limit is not None:
        utts = random.Random(seed).sample(utts, min(limit, len(utts)))
    pcm = np.load(data_dir / f"{split}.pcm.npy", mmap_mode="r")
    chunks, out, offset = [], [], 0
    for u in utts:
        chunks.append(np.asarray(pcm[u["offset"]: u["offset"] + u["n_samples"]]))
        out.append(dict(u, offset=offset))
        offset += u["n_samples"]
    return out, np.concatenate(chunks)


def lines_of(path, utts):
    """The lines of a per-utterance jsonl file that belong to `utts`, in the file's order."""
    ids = {u["id"] for u in utts}
    with open(path, encoding="utf-8") as f:
        return [line for line in f if json.loads(line)["id"] in ids]


def opus_encode_split(opus: OpusCodec, pcm: np.ndarray, utts: list, bitrate: int) -> bytes:
    """Each utterance coded on its own; its coded size, kept in its index entry, finds it again."""
    coded = []
    for u in utts:
        coded.append(opus.encode(pcm[u["offset"]: u["offset"] + u["n_samples"]], bitrate))
        u["coded_bytes"] = len(coded[-1])
    return b"".join(coded)


def decoded_splits(src: pathlib.Path, index: dict):
    """(split, int16 samples) of each split in the pack, decoded from its joined parts."""
    codec = index.get("codec", "mulaw")
    parts = sorted(src.glob(f"part*.{PART_SUFFIX[codec]}"), key=lambda p: int(p.stem[4:]))
    packed = b"".join(p.read_bytes() for p in parts)
    if codec == "mulaw":
        codes, start = np.frombuffer(lzma.decompress(packed), dtype=np.uint8), 0
        for split in SPLITS:
            n = index[split]["n_samples"]
            yield split, mulaw_decode(codes[start: start + n])
            start += n
        return
    library = src / "libopus.so.0"  # the copy that travelled, where there is one
    opus, at = OpusCodec(library if library.exists() else None), 0
    for split in SPLITS:
        pcm = []
        for u in index[split]["utts"]:
            pcm.append(opus.decode(packed[at: at + u["coded_bytes"]], u["n_samples"]))
            at += u["coded_bytes"]
        yield split, np.concatenate(pcm)


def pack_data(args):
    data_dir, out = pathlib.Path(args.data_dir), pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sets = set(args.sets.split(","))
    index, blobs = {"codec": args.codec}, []
    opus = OpusCodec() if args.codec == "opus" else None
    for split, keep, limit in (("train", lambda u: u["set"] in sets, None),
                               ("dev_libri", lambda u: True, args.dev)):
        utts, pcm = select(data_dir, split, keep, limit)
        index[split] = {"utts": utts, "n_samples": int(len(pcm))}
        blobs.append(opus_encode_split(opus, pcm, utts, args.bitrate) if opus else mulaw_encode(pcm).tobytes())
        print(f"{split}: {len(utts)} utterances, {len(pcm) / 16000 / 3600:.2f} h", flush=True)
    packed = b"".join(blobs) if opus else lzma.compress(b"".join(blobs), preset=6)
    size = -(-len(packed) // args.parts)
    for i in range(args.parts):
        (out / f"part{i}.{PART_SUFFIX[args.codec]}").write_bytes(packed[i * size: (i + 1) * size])
    if opus:
        shutil.copy(opus.path, out / "libopus.so.0")
    index["words"] = lines_of(data_dir / "train.words.jsonl", index["train"]["utts"])
    # The translation task's references (make_translations.py) travel with their utterances.
    index["translations"] = {split: lines_of(data_dir / f"{split}.es.jsonl", index[split]["utts"])
                             for split in SPLITS if (data_dir / f"{split}.es.jsonl").exists()}
    # compressed: transcripts, word timings and translations are a tenth of its plain size
    (out / INDEX).write_bytes(lzma.compress(json.dumps(index).encode("utf-8"), preset=9))
    for name in KEEP + tuple(n for n in OPTIONAL if (data_dir / n).exists()):
        shutil.copy(data_dir / name, out / name)
    print(f"{len(packed) / 1e6:.1f} MB in {args.parts} parts of {size / 1e6:.1f} MB", flush=True)


def read_index(src: pathlib.Path) -> dict:
    """The pack's index; packs made before it was compressed hold a plain index.json."""
    if (src / INDEX).exists():
        return json.loads(lzma.decompress((src / INDEX).read_bytes()).decode("utf-8"))
    return json.loads((src / "index.json").read_text())


def unpack_data(args):
    src, data_dir = pathlib.Path(args.part_dir), pathlib.Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    index = read_index(src)
    n_samples = 0
    for split, pcm in decoded_splits(src, index):
        np.save(data_dir / f"{split}.pcm.npy", pcm)
        n_samples += len(pcm)
        with open(data_dir / f"{split}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps({k: v for k, v in u.items() if k != "coded_bytes"}) + "\n"
                         for u in index[split]["utts"])
    (data_dir / "train.words.jsonl").write_text("".join(index["words"]))
    for split, lines in index.get("translations", {}).items():
        (data_dir / f"{split}.es.jsonl").write_text("".join(lines), encoding="utf-8")
    for name in KEEP + tuple(n for n in OPTIONAL if (src / n).exists()):
        shutil.copy(src / name, data_dir / name)
    print(f"unpacked {n_samples / 16000 / 3600:.2f} h into {data_dir}", flush=True)


def pack_weights(args):
    state = torch.load(args.ckpt, map_location="cpu")
    slim = {k: state[k] for k in ("model", "ctc_head", "phone_head", "step", "model_config", "train_config")
            if k in state}
    if args.half:  # half the bytes; the front end's fixed statistics stay exact
        slim["model"] = {k: v.half() if v.dtype == torch.float32 and not k.startswith("logmel.") else v
                         for k, v in slim["model"].items()}
    names = list(slim["model"])
    sizes = np.cumsum([slim["model"][k].numel() for k in names])
    half = int(np.searchsorted(sizes, sizes[-1] / 2))  # two files of about equal bytes
    first = dict(slim, model={k: slim["model"][k] for k in names[:half]})
    second = {"model": {k: slim["model"][k] for k in names[half:]}}
    torch.save(first, f"{args.out}.0")
    torch.save(second, f"{args.out}.1")


def unpack_weights(args):
    first = torch.load(f"{args.packed}.0", map_location="cpu")
    first["model"].update(torch.load(f"{args.packed}.1", map_location="cpu")["model"])
    first["model"] = {k: v.float() if v.dtype == torch.float16 else v for k, v in first["model"].items()}
    torch.save(first, args.ckpt)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="verb", required=True)
    p = sub.add_parser("data")
    p.add_argument("data_dir")
    p.add_argument("out")
    p.add_argument("--sets", default="librispeech-mini,an4,commonvoice-sample")
    p.add_argument("--parts", type=int, default=3)
    p.add_argument("--codec", choices=sorted(PART_SUFFIX), default="mulaw")
    p.add_argument("--bitrate", type=int, default=16000, help="bits a second, with --codec opus")
    p.add_argument("--dev", type=int, default=60, help="dev_libri utterances for the run's own evaluations")
    p.set_defaults(run=pack_data)
    p = sub.add_parser("undata")
    p.add_argument("part_dir")
    p.add_argument("data_dir")
    p.set_defaults(run=unpack_data)
    p = sub.add_parser("weights")
    p.add_argument("ckpt")
    p.add_argument("out")
    p.add_argument("--half", action="store_true", help="float16 weights (training resumes in float32)")
    p.set_defaults(run=pack_weights)
    p = sub.add_parser("unweights")
    p.add_argument("packed")
    p.add_argument("ckpt")
    p.set_defaults(run=unpack_weights)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
