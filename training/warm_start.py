"""Starting a training run from a GGUF file that export_gguf.py wrote (the
bundled model, say), so that research can go on from the shipped weights on a
machine that has none of the earlier runs' checkpoints.

  /usr/bin/python3 training/train.py --run r08 --init_gguf models/earshot-default.gguf ...

The decoder, the projection and the log-mel statistics come from the file
(quantized weights are decoded, which costs a little precision); the
training-only CTC head and the optimizer start fresh.
"""
import pathlib
import struct

import numpy as np
import torch

import export_gguf
import gguf_writer as gw

_SCALARS = {gw.ValueType.U8: "<B", gw.ValueType.I8: "<b", gw.ValueType.U16: "<H", gw.ValueType.I16: "<h",
            gw.ValueType.U32: "<I", gw.ValueType.I32: "<i", gw.ValueType.F32: "<f", gw.ValueType.BOOL: "<?",
            gw.ValueType.U64: "<Q", gw.ValueType.I64: "<q", gw.ValueType.F64: "<d"}


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def string(self) -> bytes:
        n = self.take("<Q")
        self.at += n
        return self.data[self.at - n: self.at]

    def value(self, kind: int):
        if kind == gw.ValueType.STRING:
            return self.string()
        if kind == gw.ValueType.ARRAY:
            element, n = self.take("<I"), self.take("<Q")
            return [self.value(element) for _ in range(n)]
        return self.take(_SCALARS[gw.ValueType(kind)])


def read_tensors(path: pathlib.Path) -> dict:
    """name -> float32 array in PyTorch's row-major shape."""
    data = pathlib.Path(path).read_bytes()
    r = _Reader(data)
    if data[:4] != gw.GGUF_MAGIC or r.take("<4xI") != gw.GGUF_VERSION:
        raise ValueError(f"{path}: not a GGUF v{gw.GGUF_VERSION} file")
    n_tensors, n_keys = r.take("<Q"), r.take("<Q")
    alignment = gw.DEFAULT_ALIGNMENT
    for _ in range(n_keys):
        key = r.string().decode()
        value = r.value(r.take("<I"))
        if key == "general.alignment":
            alignment = value
    infos = []
    for _ in range(n_tensors):
        name = r.string().decode()
        ne = [r.take("<Q") for _ in range(r.take("<I"))]
        infos.append((name, ne, gw.TensorType(r.take("<I")), r.take("<Q")))
    base = (r.at + alignment - 1) // alignment * alignment
    out = {}
    for name, ne, kind, offset in infos:
        shape = list(reversed(ne))
        block, block_bytes = gw.BLOCK_GEOMETRY[kind]
        size = int(np.prod(shape)) // block * block_bytes
        out[name] = gw.dequantize(data[base + offset: base + offset + size], kind, shape)
    return out


def load_into(model: torch.nn.Module, path: pathlib.Path) -> None:
    """Copies every exported tensor of the file into the model; raises naming what is missing
    or has another shape (a file of another configuration)."""
    tensors = read_tensors(path)
    state = model.state_dict()
    for gguf_name, torch_name, _ in export_gguf.tensor_names(model.cfg):
        if gguf_name not in tensors:
            raise ValueError(f"{path}: no tensor {gguf_name}")
        values = torch.from_numpy(tensors[gguf_name].copy())
        if values.numel() != state[torch_name].numel():
            raise ValueError(f"{path}: {gguf_name} has {tuple(values.shape)}, the model wants "
                             f"{tuple(state[torch_name].shape)}")
        state[torch_name] = values.reshape(state[torch_name].shape)
    model.load_state_dict(state)
