"""Tests of training/average_ckpts.py: the mean of checkpoints of one model.

  /usr/bin/python3 training/test_average_ckpts.py
"""
import dataclasses
import pathlib
import sys
import unittest

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import average_ckpts  # noqa: E402
from model import Gemma4Audio, ModelConfig  # noqa: E402

TINY = ModelConfig(vocab_size=64, n_embd=32, n_layer=2, n_head=2, n_ff=64, head_dim_swa=16, head_dim_full=16)


def checkpoint(seed: int, config: ModelConfig = TINY) -> dict:
    torch.manual_seed(seed)
    head = torch.nn.Linear(config.n_embd, 8)
    return {"model": Gemma4Audio(config).state_dict(), "ctc_head": head.state_dict(), "step": seed,
            "model_config": dataclasses.asdict(config), "train_config": {"run": f"run{seed}"}}


class AverageTest(unittest.TestCase):
    def test_weighted_mean_of_every_float_tensor_loads_into_the_model(self):
        a, b = checkpoint(1), checkpoint(2)
        out = average_ckpts.average([a, b], [0.25, 0.75])
        for part in ("model", "ctc_head"):
            for name, tensor in out[part].items():
                expected = 0.25 * a[part][name] + 0.75 * b[part][name]
                self.assertTrue(torch.allclose(tensor, expected, atol=1e-6), f"{part}.{name}")
        moved = [n for n in a["model"] if not torch.equal(a["model"][n], b["model"][n])]
        self.assertGreater(len(moved), 0)  # the two seeds differ, so the mean is a new model
        Gemma4Audio(TINY).load_state_dict(out["model"])
        self.assertEqual(out["step"], 1)  # configs and step are the first checkpoint's

    def test_equal_weights_of_one_checkpoint_twice_give_it_back(self):
        a = checkpoint(3)
        out = average_ckpts.average([a, a], [0.5, 0.5])
        for name, tensor in a["model"].items():
            self.assertTrue(torch.allclose(out["model"][name], tensor, atol=1e-6), name)

    def test_refuses_checkpoints_of_different_models(self):
        wider = dataclasses.replace(TINY, n_embd=48)
        with self.assertRaises(SystemExit):
            average_ckpts.average([checkpoint(1), checkpoint(2, wider)], [0.5, 0.5])


if __name__ == "__main__":
    unittest.main()
