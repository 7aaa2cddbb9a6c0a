"""Tests of training/band_masks.py: frequency masks on the log-mel features.

  /usr/bin/python3 training/test_band_masks.py
"""
import pathlib
import sys
import unittest

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import band_masks  # noqa: E402
from model import Gemma4Audio, ModelConfig  # noqa: E402


class BandMasksTest(unittest.TestCase):
    def test_masks_whole_bands_per_example_within_the_widest(self):
        masks = band_masks.BandMasks(n_mels=80, n_masks=2, max_bands=20, seed=3)
        features = torch.randn(16, 7, 4 * 80) + 5.0  # no feature is 0 before masking
        out = masks(features).view(16, 7, 4, 80)
        masked = (out == 0)
        # a band is masked in every sub-frame of every frame, or in none
        per_band = masked.flatten(1, 2)
        self.assertTrue(torch.equal(per_band.all(1), per_band.any(1)))
        widths = per_band.all(1).sum(1)
        self.assertTrue(bool((widths <= 40).all()), widths)
        self.assertGreater(int(widths.sum()), 0)
        self.assertGreater(len(set(widths.tolist())), 1)  # examples differ
        kept = ~masked
        self.assertTrue(torch.equal(out[kept], features.view(16, 7, 4, 80)[kept]))

    def test_same_seed_same_masks(self):
        a = band_masks.BandMasks(80, 2, 20, seed=5).keep(8)
        b = band_masks.BandMasks(80, 2, 20, seed=5).keep(8)
        self.assertTrue(torch.equal(a, b))

    def test_rejects_a_width_that_covers_every_band(self):
        with self.assertRaises(ValueError):
            band_masks.BandMasks(80, 1, 80, seed=0)

    def test_model_masks_only_while_training(self):
        model = Gemma4Audio(ModelConfig(vocab_size=64, n_embd=32, n_layer=2, n_head=2, n_ff=64))
        model.feature_augment = band_masks.BandMasks(80, 2, 30, seed=1)
        samples = torch.randn(2, 640 * 5)
        model.eval()
        clean = model.audio_features(samples)
        self.assertTrue(torch.equal(clean, model.logmel(samples)))
        model.train()
        masked = model.audio_features(samples)
        self.assertFalse(torch.equal(masked, clean))


if __name__ == "__main__":
    unittest.main()
