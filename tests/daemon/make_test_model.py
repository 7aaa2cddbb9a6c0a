"""A tiny random speech model for the service's tests, made at test time from
the PyTorch reference (training/model.py) and written with the project's own
exporter, so that earshotd loads a real GGUF of the Gemma 4 family. Its
weights are random: it listens to nothing and its text means nothing. The
tests feed it silence (which never reaches the model) or only check the
protocol around it, never its words.

    /usr/bin/python3 tests/daemon/make_test_model.py OUT.gguf
"""
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
import export_gguf  # noqa: E402
import tokenizer as tokmod  # noqa: E402
from model import Gemma4Audio, ModelConfig  # noqa: E402


def main(argv) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    torch.set_num_threads(1)
    tok = tokmod.Tokenizer.load(ROOT / "tests/model/data/tokenizer_small.json")
    cfg = ModelConfig(vocab_size=len(tok), n_embd=64, n_layer=2, n_head=2, n_ff=128, head_dim_swa=32,
                      n_kv_head_swa=1, window=16, head_dim_full=32, n_kv_head_full=1, full_every=2,
                      projector="earshot_logmel", n_mels=40)
    torch.manual_seed(5)
    model = Gemma4Audio(cfg).eval()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out = pathlib.Path(argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    export_gguf.export(state, cfg, tok, "f32", single=str(out), name="earshot-test-random")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
