"""Writes the GGUF file that gguf_roundtrip_test reads back with the C++ reader.

Usage: gguf_python_fixture.py OUT.gguf

For every tensor type T it stores, from the same source matrix x [3, 512]:
  w.T      x in type T
  ref.T    F32: what training/gguf_writer.py's own dequantize gives for w.T
  bound.T  F32: the writer's per-value error bound for T
and x itself as `src`. It also checks the Python round trip before writing.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training"))
from gguf_writer import GgufWriter, TensorType, ValueType, dequantize, max_abs_error, quantize  # noqa: E402


def main(out: str) -> None:
    rng = np.random.default_rng(2024)
    x = (rng.standard_normal((3, 512)) * np.array([[0.02], [1.0], [30.0]])).astype(np.float32)
    x[1, 256:288] = 0.0  # an all-zero sub-block
    x[2, :256] = np.abs(x[2, :256]) + 5.0  # a positive-only super-block (Q4_K mins)

    w = GgufWriter(out, arch="roundtrip", alignment=64)
    w.add_u8("v.u8", 250)
    w.add_i8("v.i8", -7)
    w.add_u16("v.u16", 65535)
    w.add_i16("v.i16", -32768)
    w.add_u32("v.u32", 3840)
    w.add_i32("v.i32", -123456)
    w.add_u64("v.u64", 2**63 + 5)
    w.add_i64("v.i64", -(2**62))
    w.add_f32("v.f32", 1e-6)
    w.add_f64("v.f64", 2.0 / 3.0)
    w.add_bool("v.bool", False)
    w.add_string("v.string", "Transcribe the following speech segment in English into English text.")
    w.add_array("a.strings", ["<pad>", "<eos>", "▁the", "<0x0A>"])
    w.add_array("a.i32", [1, -2, 2**31 - 1])
    w.add_array("a.u32", np.array([5, 6], dtype=np.uint32))
    w.add_array("a.f32", [0.5, -0.25])
    w.add_array("a.bool", [True, False, True, True])
    w.add_array("a.nested", [[1, 2], [3]])
    w.add_array("a.empty", [], element_type=ValueType.STRING)

    for t in TensorType:
        data = quantize(x, t)
        decoded = dequantize(data, t, x.shape)
        bound = max_abs_error(x, t)
        excess = np.abs(decoded - x) - bound
        if (excess > 0).any():
            raise SystemExit(f"{t.name}: python round trip exceeds its bound by {excess.max()}")
        w.add_tensor_bytes(f"w.{t.name}", x.shape, t, data)
        w.add_tensor(f"ref.{t.name}", decoded, TensorType.F32)
        w.add_tensor(f"bound.{t.name}", bound.astype(np.float32), TensorType.F32)
    w.add_tensor("src", x, TensorType.F32)
    w.add_tensor("shape3d", np.arange(24, dtype=np.float32).reshape(2, 3, 4), TensorType.F32)
    w.write()


if __name__ == "__main__":
    main(sys.argv[1])
