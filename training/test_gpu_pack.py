"""Tests of gpu_pack.py and opus_codec.py: a small prepared data folder of real speech
goes through `data` and `undata` with each codec and comes back whole: the same
utterances, the same sample counts, the samples in line with the original, and the
spectrum close to it.

  /usr/bin/python3 training/test_gpu_pack.py
"""
import argparse
import json
import pathlib
import sys
import tempfile
import unittest

import numpy as np
import soundfile
import torch

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import gpu_pack  # noqa: E402
from opus_codec import OpusCodec  # noqa: E402

SPEECH = sorted((REPO / "tests" / "data" / "speech").glob("1088-*.opus"))[:3]


def write_split(folder: pathlib.Path, split: str, clips: list):
    utts, offset = [], 0
    for i, pcm in enumerate(clips):
        utts.append({"id": f"{split}-{i}", "set": "librispeech-mini", "text": "words", "offset": offset,
                     "n_samples": len(pcm)})
        offset += len(pcm)
    (folder / f"{split}.jsonl").write_text("".join(json.dumps(u) + "\n" for u in utts))
    np.save(folder / f"{split}.pcm.npy", np.concatenate(clips))
    return utts


def lag_of(original: np.ndarray, decoded: np.ndarray, max_lag: int = 40) -> int:
    """The shift that best lines decoded up with original, in samples."""
    a, b = original.astype(np.float64), decoded.astype(np.float64)
    core = slice(max_lag, len(a) - max_lag)
    return max(range(-max_lag, max_lag + 1), key=lambda k: float(np.dot(a[core], np.roll(b, k)[core])))


def log_spectrum_distance_db(original: np.ndarray, decoded: np.ndarray, n_fft: int = 512) -> float:
    """Mean absolute difference of the two log power spectra over 32 ms frames, dB."""
    def spectrum(x):
        frames = x[: len(x) // n_fft * n_fft].astype(np.float64).reshape(-1, n_fft) * np.hanning(n_fft)
        return 10 * np.log10(np.abs(np.fft.rfft(frames)) ** 2 + 1e3)
    return float(np.mean(np.abs(spectrum(original) - spectrum(decoded))))


class GpuPackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clips = []
        for path in SPEECH:
            audio, rate = soundfile.read(path, dtype="int16")
            assert rate == 16000, path
            cls.clips.append(audio)

    def round_trip(self, codec: str) -> tuple:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            data, pack, back = tmp / "data", tmp / "pack", tmp / "back"
            data.mkdir()
            train = write_split(data, "train", self.clips[:2])
            dev = write_split(data, "dev_libri", self.clips[2:])
            (data / "train.words.jsonl").write_text(json.dumps({"id": "train-0", "words": []}) + "\n")
            (data / "tokenizer-1024.json").write_text("{}")
            gpu_pack.pack_data(argparse.Namespace(data_dir=data, out=pack, sets="librispeech-mini", parts=2,
                                                  dev=1, codec=codec, bitrate=16000))
            gpu_pack.unpack_data(argparse.Namespace(part_dir=pack, data_dir=back))
            for split, utts in (("train", train), ("dev_libri", dev)):
                got = [json.loads(line) for line in open(back / f"{split}.jsonl")]
                self.assertEqual(got, utts)
            decoded = np.load(back / "train.pcm.npy")
            self.assertEqual(decoded.dtype, np.int16)
            self.assertEqual(len(decoded), sum(u["n_samples"] for u in train))
            packed_bytes = sum(p.stat().st_size for p in pack.glob("part*"))
            return np.concatenate(self.clips[:2]), decoded, packed_bytes

    def test_mulaw_comes_back_nearly_exact(self):
        original, decoded, _ = self.round_trip("mulaw")
        noise = original.astype(np.float64) - decoded
        snr = 10 * np.log10(np.sum(original.astype(np.float64) ** 2) / np.sum(noise ** 2))
        self.assertGreater(snr, 30.0)

    def test_opus_comes_back_in_line_and_close_in_spectrum(self):
        original, decoded, packed_bytes = self.round_trip("opus")
        seconds = len(original) / 16000
        self.assertLess(packed_bytes / seconds, 2600)  # 16 kbit/s, packet lengths, short clips
        self.assertLessEqual(abs(lag_of(original, decoded)), 2)
        self.assertLess(log_spectrum_distance_db(original, decoded), 6.0)
        # The same measure tells speech from other speech: the bound is not loose.
        other = np.resize(self.clips[2], len(original))
        self.assertGreater(log_spectrum_distance_db(original, other), 8.0)

    def test_opus_loads_the_library_copy_that_travels(self):
        codec = OpusCodec()
        with tempfile.TemporaryDirectory() as tmp:
            copy = pathlib.Path(tmp) / "libopus.so.0"
            copy.write_bytes(codec.path.read_bytes())
            travelled = OpusCodec(copy)
            pcm = self.clips[0][:16000]
            self.assertEqual(len(travelled.decode(codec.encode(pcm, 16000), len(pcm))), len(pcm))


class WeightsPackTest(unittest.TestCase):
    def test_weights_come_back_with_every_head_and_float32(self):
        model = {"layer.a": torch.randn(300, 7), "layer.b": torch.randn(200, 5), "logmel.mean": torch.randn(4)}
        state = {"model": model, "ctc_head": {"w": torch.randn(3, 2)}, "phone_head": {"w": torch.randn(6, 2)},
                 "opt": {"ignored": 1}, "step": 42, "model_config": {"d": 7}, "train_config": {"lr": 1e-3}}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            torch.save(state, tmp / "ckpt.pt")
            gpu_pack.pack_weights(argparse.Namespace(ckpt=tmp / "ckpt.pt", out=str(tmp / "w"), half=True))
            gpu_pack.unpack_weights(argparse.Namespace(packed=str(tmp / "w"), ckpt=tmp / "back.pt"))
            back = torch.load(tmp / "back.pt")
        self.assertNotIn("opt", back)
        self.assertEqual(back["step"], 42)
        self.assertTrue(torch.equal(back["phone_head"]["w"], state["phone_head"]["w"]))
        self.assertTrue(torch.equal(back["ctc_head"]["w"], state["ctc_head"]["w"]))
        self.assertEqual(sorted(back["model"]), sorted(model))
        for name, tensor in model.items():
            self.assertEqual(back["model"][name].dtype, torch.float32)
            self.assertTrue(torch.allclose(back["model"][name], tensor, rtol=1e-3, atol=1e-3), name)
        self.assertTrue(torch.equal(back["model"]["logmel.mean"], model["logmel.mean"]))  # kept exact


if __name__ == "__main__":
    unittest.main()
