"""Tests of training/grow_depth.py: appending near-identity layers to a trained model.

  /usr/bin/python3 training/test_grow_depth.py
"""
import dataclasses
import pathlib
import sys
import unittest

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import grow_depth  # noqa: E402
from model import FRAME_SAMPLES, Gemma4Audio, ModelConfig  # noqa: E402

# Layer 2 is full (full_every 3); 3 -> 6 layers keeps every old layer's kind.
TINY = ModelConfig(vocab_size=64, n_embd=32, n_layer=3, n_head=2, n_ff=64, head_dim_swa=16, head_dim_full=16)


def checkpoint(config: ModelConfig = TINY) -> dict:
    torch.manual_seed(1)
    model = Gemma4Audio(config)
    with torch.no_grad():  # trained-looking post-norm weights, not the initial ones
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return {"model": model.state_dict(), "model_config": dataclasses.asdict(config), "train_config": {"run": "tiny"}}


def logits_of(state: dict, config: ModelConfig) -> torch.Tensor:
    model = Gemma4Audio(config)
    model.load_state_dict(state)
    model.eval()
    torch.manual_seed(2)
    tokens = torch.randint(0, config.vocab_size, (1, 12))
    audio_mask = torch.zeros_like(tokens, dtype=torch.bool)
    audio_mask[0, 3:8] = True
    samples = 0.1 * torch.randn(1, 5 * FRAME_SAMPLES)
    with torch.no_grad():
        return model(tokens, samples, audio_mask)[0]


class GrowDepthTest(unittest.TestCase):
    def test_new_layers_at_zero_keep_the_old_models_function(self):
        old = checkpoint()
        grown = grow_depth.grow(old, n_layer=6, post_norm_init=0.0)
        deeper = dataclasses.replace(TINY, n_layer=6)
        self.assertEqual(grown["model_config"]["n_layer"], 6)
        torch.testing.assert_close(logits_of(grown["model"], deeper), logits_of(old["model"], TINY))
        for name, tensor in old["model"].items():
            self.assertTrue(torch.equal(grown["model"][name], tensor), name)

    def test_a_small_start_moves_the_logits_a_little(self):
        old = checkpoint()
        grown = grow_depth.grow(old, n_layer=6, post_norm_init=0.01)
        before = logits_of(old["model"], TINY)
        change = (logits_of(grown["model"], dataclasses.replace(TINY, n_layer=6)) - before).abs().max()
        self.assertGreater(change, 0)
        self.assertLess(change, 0.1 * before.abs().max())

    def test_refuses_a_depth_that_changes_an_old_layers_kind(self):
        two = dataclasses.replace(TINY, n_layer=2)  # layer 1 is full as the last one
        with self.assertRaises(SystemExit):
            grow_depth.grow(checkpoint(two), n_layer=3, post_norm_init=0.0)  # it would turn sliding
        with self.assertRaises(SystemExit):
            grow_depth.grow(checkpoint(), n_layer=3, post_norm_init=0.0)


if __name__ == "__main__":
    unittest.main()
