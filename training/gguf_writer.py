"""Write GGUF v3 files with numpy only (no `gguf` package).

    w = GgufWriter("model.gguf", arch="gemma4")
    w.add_u32("gemma4.block_count", 6)
    w.add_f32("gemma4.attention.layer_norm_rms_epsilon", 1e-6)
    w.add_array("tokenizer.ggml.tokens", ["<pad>", "<eos>", "a"])
    w.add_tensor("token_embd.weight", embeddings, TensorType.Q8_0)  # [n_vocab, n_embd]
    w.write()

Layout (GGUF v3, little-endian): magic "GGUF", u32 version, u64 tensor count,
u64 metadata count, the metadata (string key, u32 value type, value), the
tensor infos (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64
offset into the data section), zero padding to `general.alignment` (default
32), then each tensor's bytes at its offset, each offset a multiple of the
alignment.

Shapes: numpy arrays are row-major [..., rows, cols]; GGUF lists dimensions
fastest first, so ne[0] = cols. Quantized types need cols to be a multiple of
their block size (32 for Q8_0/Q4_0, 256 for Q4_K/Q6_K).

The quantizers produce valid blocks in ggml's exact byte layouts; they round
more simply than ggml's (no iterative scale search), so the bytes differ from
ggml's own but decode with any GGUF reader. `dequantize` decodes all types
here, for round-trip checks.
"""

from __future__ import annotations

import enum
import struct
from pathlib import Path
from typing import Sequence

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32
QK_K = 256


class ValueType(enum.IntEnum):
    U8 = 0
    I8 = 1
    U16 = 2
    I16 = 3
    U32 = 4
    I32 = 5
    F32 = 6
    BOOL = 7
    STRING = 8
    ARRAY = 9
    U64 = 10
    I64 = 11
    F64 = 12


class TensorType(enum.IntEnum):
    """ggml type ids (ggml.h) of the types this writer can produce."""

    F32 = 0
    F16 = 1
    Q4_0 = 2
    Q8_0 = 8
    Q4_K = 12
    Q6_K = 14
    BF16 = 30


# (values per block, bytes per block)
BLOCK_GEOMETRY = {
    TensorType.F32: (1, 4),
    TensorType.F16: (1, 2),
    TensorType.BF16: (1, 2),
    TensorType.Q8_0: (32, 34),
    TensorType.Q4_0: (32, 18),
    TensorType.Q4_K: (QK_K, 144),
    TensorType.Q6_K: (QK_K, 210),
}

_SCALAR_FORMATS = {
    ValueType.U8: "<B",
    ValueType.I8: "<b",
    ValueType.U16: "<H",
    ValueType.I16: "<h",
    ValueType.U32: "<I",
    ValueType.I32: "<i",
    ValueType.F32: "<f",
    ValueType.U64: "<Q",
    ValueType.I64: "<q",
    ValueType.F64: "<d",
}

# numpy block records, byte for byte ggml's structs.
_Q8_0 = np.dtype([("d", "<f2"), ("qs", "i1", 32)])
_Q4_0 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_Q4_K = np.dtype([("d", "<f2"), ("dmin", "<f2"), ("scales", "u1", 12), ("qs", "u1", 128)])
_Q6_K = np.dtype([("ql", "u1", 128), ("qh", "u1", 64), ("scales", "i1", 16), ("d", "<f2")])
assert (_Q8_0.itemsize, _Q4_0.itemsize, _Q4_K.itemsize, _Q6_K.itemsize) == (34, 18, 144, 210)


# ---------------------------------------------------------------------------
# Encoding of metadata values
# ---------------------------------------------------------------------------


def _encode_string(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    return struct.pack("<Q", len(raw)) + raw


def _encode_scalar(value_type: ValueType, value) -> bytes:
    if value_type == ValueType.BOOL:
        return struct.pack("<B", 1 if value else 0)
    if value_type == ValueType.STRING:
        return _encode_string(value)
    return struct.pack(_SCALAR_FORMATS[value_type], value)


def _infer_element_type(values: Sequence) -> ValueType:
    if isinstance(values, np.ndarray):
        kinds = {
            np.dtype(np.uint8): ValueType.U8, np.dtype(np.int8): ValueType.I8,
            np.dtype(np.uint16): ValueType.U16, np.dtype(np.int16): ValueType.I16,
            np.dtype(np.uint32): ValueType.U32, np.dtype(np.int32): ValueType.I32,
            np.dtype(np.uint64): ValueType.U64, np.dtype(np.int64): ValueType.I64,
            np.dtype(np.float32): ValueType.F32, np.dtype(np.float64): ValueType.F64,
            np.dtype(np.bool_): ValueType.BOOL,
        }
        if values.dtype not in kinds:
            raise TypeError(f"no GGUF array type for numpy dtype {values.dtype}")
        return kinds[values.dtype]
    if len(values) == 0:
        raise TypeError("cannot infer the element type of an empty array: pass element_type")
    first = values[0]
    if isinstance(first, (str, bytes)):
        return ValueType.STRING
    if isinstance(first, (bool, np.bool_)):
        return ValueType.BOOL
    if isinstance(first, (int, np.integer)):
        return ValueType.I32
    if isinstance(first, (float, np.floating)):
        return ValueType.F32
    if isinstance(first, (list, tuple, np.ndarray)):
        return ValueType.ARRAY
    raise TypeError(f"no GGUF array type for {type(first).__name__}")


def _encode_array(values, element_type: ValueType | None) -> bytes:
    element_type = _infer_element_type(values) if element_type is None else ValueType(element_type)
    out = [struct.pack("<IQ", element_type, len(values))]
    if element_type == ValueType.ARRAY:
        out += [_encode_array(v, None) for v in values]
    elif element_type in _SCALAR_FORMATS and isinstance(values, np.ndarray):
        out.append(np.ascontiguousarray(values).astype(np.dtype(_SCALAR_FORMATS[element_type])).tobytes())
    else:
        out += [_encode_scalar(element_type, v) for v in values]
    return b"".join(out)


# ---------------------------------------------------------------------------
# Quantization (numpy, vectorised over blocks)
# ---------------------------------------------------------------------------


def _blocks(values: np.ndarray, size: int) -> np.ndarray:
    flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    return flat.reshape(-1, size)


def _safe_inverse(d: np.ndarray) -> np.ndarray:
    out = np.zeros_like(d, dtype=np.float32)
    np.divide(1.0, d, out=out, where=d != 0)
    return out


def _to_bf16_bits(values: np.ndarray) -> np.ndarray:
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(values.reshape(-1)).reshape(bits.shape)
    return np.where(nan, ((bits >> 16) | 0x40).astype(np.uint16), rounded)


def _quantize_q8_0(values: np.ndarray) -> bytes:
    x = _blocks(values, 32)
    d = np.abs(x).max(axis=1) / 127.0
    out = np.zeros(len(x), dtype=_Q8_0)
    out["d"] = d.astype(np.float16)
    out["qs"] = np.clip(np.rint(x * _safe_inverse(d)[:, None]), -127, 127).astype(np.int8)
    return out.tobytes()


def _quantize_q4_0(values: np.ndarray) -> bytes:
    x = _blocks(values, 32)
    # The value of largest magnitude maps to -8, the end with the larger range.
    extreme = x[np.arange(len(x)), np.abs(x).argmax(axis=1)]
    d = (extreme / -8.0).astype(np.float16)
    q = np.clip(np.rint(x * _safe_inverse(d.astype(np.float32))[:, None]) + 8, 0, 15).astype(np.uint8)
    out = np.zeros(len(x), dtype=_Q4_0)
    out["d"] = d
    out["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def _pack_q4k_scales(sc: np.ndarray, mn: np.ndarray) -> np.ndarray:
    """[n, 8] 6-bit scales and mins -> [n, 12] bytes in ggml's packing."""
    packed = np.zeros((len(sc), 12), dtype=np.uint8)
    packed[:, 0:4] = sc[:, 0:4] | ((sc[:, 4:8] >> 4) << 6)
    packed[:, 4:8] = mn[:, 0:4] | ((mn[:, 4:8] >> 4) << 6)
    packed[:, 8:12] = (sc[:, 4:8] & 15) | ((mn[:, 4:8] & 15) << 4)
    return packed


def _unpack_q4k_scales(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = packed.astype(np.uint8)
    sc = np.empty((len(p), 8), dtype=np.uint8)
    mn = np.empty((len(p), 8), dtype=np.uint8)
    sc[:, 0:4] = p[:, 0:4] & 63
    mn[:, 0:4] = p[:, 4:8] & 63
    sc[:, 4:8] = (p[:, 8:12] & 15) | ((p[:, 0:4] >> 6) << 4)
    mn[:, 4:8] = (p[:, 8:12] >> 4) | ((p[:, 4:8] >> 6) << 4)
    return sc, mn


def _quantize_q4_k(values: np.ndarray) -> bytes:
    x = _blocks(values, QK_K).reshape(-1, 8, 32)  # [blocks, sub-blocks, values]
    low = np.minimum(x.min(axis=2), 0.0)  # value = scale * q - min, q in 0..15, min >= 0
    high = x.max(axis=2)
    scale = (high - low) / 15.0
    minimum = -low
    d = (scale.max(axis=1) / 63.0).astype(np.float16)
    dmin = (minimum.max(axis=1) / 63.0).astype(np.float16)
    sc = np.clip(np.rint(scale * _safe_inverse(d.astype(np.float32))[:, None]), 0, 63).astype(np.uint8)
    mn = np.clip(np.rint(minimum * _safe_inverse(dmin.astype(np.float32))[:, None]), 0, 63).astype(np.uint8)
    step = d.astype(np.float32)[:, None] * sc  # effective per-sub-block scale and min
    offset = dmin.astype(np.float32)[:, None] * mn
    q = np.clip(np.rint((x + offset[:, :, None]) * _safe_inverse(step)[:, :, None]), 0, 15).astype(np.uint8)
    q = q.reshape(-1, 4, 2, 32)  # 64-value chunks: low nibbles, then high nibbles
    out = np.zeros(len(d), dtype=_Q4_K)
    out["d"] = d
    out["dmin"] = dmin
    out["scales"] = _pack_q4k_scales(sc, mn)
    out["qs"] = (q[:, :, 0, :] | (q[:, :, 1, :] << 4)).reshape(-1, 128)
    return out.tobytes()


def _quantize_q6_k(values: np.ndarray) -> bytes:
    x = _blocks(values, QK_K).reshape(-1, 16, 16)  # [blocks, sub-blocks, values]
    n = len(x)
    extreme = np.take_along_axis(x, np.abs(x).argmax(axis=2)[:, :, None], axis=2)[:, :, 0]
    sub_scale = extreme / -32.0  # the extreme value maps to q = -32
    d = (np.abs(sub_scale).max(axis=1) / 127.0).astype(np.float16)
    sc = np.clip(np.rint(sub_scale * _safe_inverse(d.astype(np.float32))[:, None]), -128, 127).astype(np.int8)
    step = d.astype(np.float32)[:, None] * sc
    q = np.clip(np.rint(x * _safe_inverse(step)[:, :, None]), -32, 31).astype(np.int16) + 32
    q = q.reshape(n, 2, 4, 32).astype(np.uint8)  # halves of 128, four groups of 32
    out = np.zeros(n, dtype=_Q6_K)
    ql = np.empty((n, 2, 2, 32), dtype=np.uint8)
    ql[:, :, 0, :] = (q[:, :, 0, :] & 15) | ((q[:, :, 2, :] & 15) << 4)
    ql[:, :, 1, :] = (q[:, :, 1, :] & 15) | ((q[:, :, 3, :] & 15) << 4)
    qh = (q[:, :, 0, :] >> 4) | ((q[:, :, 1, :] >> 4) << 2) | ((q[:, :, 2, :] >> 4) << 4) | ((q[:, :, 3, :] >> 4) << 6)
    out["ql"] = ql.reshape(n, 128)
    out["qh"] = qh.reshape(n, 64)
    out["scales"] = sc
    out["d"] = d
    return out.tobytes()


def quantize(values: np.ndarray, tensor_type: TensorType) -> bytes:
    """The bytes of `values` (any shape, last axis a multiple of the block size) in `tensor_type`."""
    tensor_type = TensorType(tensor_type)
    values = np.asarray(values, dtype=np.float32)
    block_size, _ = BLOCK_GEOMETRY[tensor_type]
    if values.ndim == 0 or values.shape[-1] % block_size != 0:
        raise ValueError(f"{tensor_type.name}: row length {values.shape[-1:]} is not a multiple of {block_size}")
    if tensor_type == TensorType.F32:
        return np.ascontiguousarray(values, dtype="<f4").tobytes()
    if tensor_type == TensorType.F16:
        return np.ascontiguousarray(values).astype("<f2").tobytes()
    if tensor_type == TensorType.BF16:
        return _to_bf16_bits(values).astype("<u2").tobytes()
    quantizers = {
        TensorType.Q8_0: _quantize_q8_0,
        TensorType.Q4_0: _quantize_q4_0,
        TensorType.Q4_K: _quantize_q4_k,
        TensorType.Q6_K: _quantize_q6_k,
    }
    return quantizers[tensor_type](values)


def dequantize(data: bytes, tensor_type: TensorType, shape: Sequence[int]) -> np.ndarray:
    """Decodes bytes of `tensor_type` into float32 of numpy `shape`."""
    tensor_type = TensorType(tensor_type)
    raw = np.frombuffer(data, dtype=np.uint8)
    if tensor_type == TensorType.F32:
        out = raw.view("<f4").astype(np.float32)
    elif tensor_type == TensorType.F16:
        out = raw.view("<f2").astype(np.float32)
    elif tensor_type == TensorType.BF16:
        out = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
    elif tensor_type == TensorType.Q8_0:
        b = raw.view(_Q8_0)
        out = b["d"].astype(np.float32)[:, None] * b["qs"].astype(np.float32)
    elif tensor_type == TensorType.Q4_0:
        b = raw.view(_Q4_0)
        q = np.concatenate([b["qs"] & 15, b["qs"] >> 4], axis=1).astype(np.float32) - 8.0
        out = b["d"].astype(np.float32)[:, None] * q
    elif tensor_type == TensorType.Q4_K:
        b = raw.view(_Q4_K)
        sc, mn = _unpack_q4k_scales(b["scales"])
        qs = b["qs"].reshape(-1, 4, 32)
        q = np.stack([qs & 15, qs >> 4], axis=2).reshape(-1, 8, 32).astype(np.float32)
        step = b["d"].astype(np.float32)[:, None] * sc
        offset = b["dmin"].astype(np.float32)[:, None] * mn
        out = step[:, :, None] * q - offset[:, :, None]
    elif tensor_type == TensorType.Q6_K:
        b = raw.view(_Q6_K)
        n = len(b)
        ql = b["ql"].reshape(n, 2, 2, 32)
        qh = b["qh"].reshape(n, 2, 32)
        q = np.stack([
            (ql[:, :, 0, :] & 15) | (((qh >> 0) & 3) << 4),
            (ql[:, :, 1, :] & 15) | (((qh >> 2) & 3) << 4),
            (ql[:, :, 0, :] >> 4) | (((qh >> 4) & 3) << 4),
            (ql[:, :, 1, :] >> 4) | (((qh >> 6) & 3) << 4),
        ], axis=2).reshape(n, 16, 16).astype(np.float32) - 32.0
        step = b["d"].astype(np.float32)[:, None] * b["scales"].astype(np.float32)
        out = step[:, :, None] * q
    else:
        raise ValueError(f"cannot dequantize {tensor_type.name}")
    return out.reshape(shape).astype(np.float32)


# ---------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------


class GgufWriter:
    """Collects metadata and tensors, then writes one GGUF v3 file."""

    def __init__(self, path: str | Path, arch: str, alignment: int = DEFAULT_ALIGNMENT):
        if alignment <= 0 or alignment & (alignment - 1):
            raise ValueError(f"alignment must be a power of two, not {alignment}")
        self.path = Path(path)
        self.alignment = alignment
        self._metadata: dict[str, bytes] = {}
        self._tensors: list[tuple[str, tuple[int, ...], TensorType, bytes]] = []
        self.add_string("general.architecture", arch)
        if alignment != DEFAULT_ALIGNMENT:
            self.add_u32("general.alignment", alignment)

    # --- metadata ---
    def _add(self, key: str, value_type: ValueType, payload: bytes) -> None:
        if not key:
            raise ValueError("metadata keys must not be empty")
        if key in self._metadata:
            raise ValueError(f"duplicate metadata key {key!r}")
        self._metadata[key] = struct.pack("<I", value_type) + payload

    def add_u8(self, key: str, value: int) -> None: self._add(key, ValueType.U8, _encode_scalar(ValueType.U8, value))
    def add_i8(self, key: str, value: int) -> None: self._add(key, ValueType.I8, _encode_scalar(ValueType.I8, value))
    def add_u16(self, key: str, value: int) -> None: self._add(key, ValueType.U16, _encode_scalar(ValueType.U16, value))
    def add_i16(self, key: str, value: int) -> None: self._add(key, ValueType.I16, _encode_scalar(ValueType.I16, value))
    def add_u32(self, key: str, value: int) -> None: self._add(key, ValueType.U32, _encode_scalar(ValueType.U32, value))
    def add_i32(self, key: str, value: int) -> None: self._add(key, ValueType.I32, _encode_scalar(ValueType.I32, value))
    def add_u64(self, key: str, value: int) -> None: self._add(key, ValueType.U64, _encode_scalar(ValueType.U64, value))
    def add_i64(self, key: str, value: int) -> None: self._add(key, ValueType.I64, _encode_scalar(ValueType.I64, value))
    def add_f32(self, key: str, value: float) -> None: self._add(key, ValueType.F32, _encode_scalar(ValueType.F32, value))
    def add_f64(self, key: str, value: float) -> None: self._add(key, ValueType.F64, _encode_scalar(ValueType.F64, value))
    def add_bool(self, key: str, value: bool) -> None: self._add(key, ValueType.BOOL, _encode_scalar(ValueType.BOOL, value))

    def add_string(self, key: str, value: str | bytes) -> None:
        self._add(key, ValueType.STRING, _encode_string(value))

    def add_array(self, key: str, values: Sequence | np.ndarray, element_type: ValueType | None = None) -> None:
        """An array; the element type is inferred (str, bool, int -> i32, float -> f32,
        nested lists -> array, numpy dtypes as themselves) unless given."""
        self._add(key, ValueType.ARRAY, _encode_array(values, element_type))

    # --- tensors ---
    def add_tensor(self, name: str, values: np.ndarray, tensor_type: TensorType = TensorType.F32) -> None:
        """Adds `values` (numpy [..., rows, cols], up to 4 dims), stored as `tensor_type`."""
        values = np.asarray(values)
        if not 1 <= values.ndim <= 4:
            raise ValueError(f"tensor {name!r}: {values.ndim} dims, GGUF allows 1 to 4")
        self.add_tensor_bytes(name, values.shape, tensor_type, quantize(values, tensor_type))

    def add_tensor_bytes(self, name: str, shape: Sequence[int], tensor_type: TensorType, data: bytes) -> None:
        """Adds already encoded bytes of numpy `shape` in `tensor_type`."""
        tensor_type = TensorType(tensor_type)
        if not name:
            raise ValueError("tensor names must not be empty")
        if any(t[0] == name for t in self._tensors):
            raise ValueError(f"duplicate tensor {name!r}")
        block_size, type_size = BLOCK_GEOMETRY[tensor_type]
        expected = int(np.prod(shape)) // block_size * type_size
        if len(data) != expected or shape[-1] % block_size:
            raise ValueError(f"tensor {name!r}: {len(data)} bytes for {tensor_type.name} {tuple(shape)}, expected {expected}")
        self._tensors.append((name, tuple(int(s) for s in shape), tensor_type, bytes(data)))

    # --- output ---
    def _padding(self, size: int) -> bytes:
        return b"\0" * (-size % self.alignment)

    def to_bytes(self) -> bytes:
        header = [GGUF_MAGIC, struct.pack("<IQQ", GGUF_VERSION, len(self._tensors), len(self._metadata))]
        for key, encoded in self._metadata.items():
            header += [_encode_string(key), encoded]
        offset = 0
        for name, shape, tensor_type, data in self._tensors:
            ne = tuple(reversed(shape))
            header += [_encode_string(name), struct.pack("<I", len(ne)),
                       struct.pack(f"<{len(ne)}Q", *ne), struct.pack("<IQ", tensor_type, offset)]
            offset += len(data) + len(self._padding(len(data)))
        head = b"".join(header)
        body = [head, self._padding(len(head))]
        for _, _, _, data in self._tensors:
            body += [data, self._padding(len(data))]
        return b"".join(body)

    def write(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(self.to_bytes())
        return self.path


def max_abs_error(values: np.ndarray, tensor_type: TensorType) -> np.ndarray:
    """An upper bound of |dequantize(quantize(x)) - x| for each value, from the block
    ranges (for tests): half a step of each block's scale, plus f16 rounding of the
    block scales."""
    tensor_type = TensorType(tensor_type)
    x = np.asarray(values, dtype=np.float32)
    if tensor_type == TensorType.F32:
        return np.zeros_like(x)
    if tensor_type == TensorType.F16:
        return np.maximum(np.abs(x) * 2.0 ** -11, 2.0 ** -25)
    if tensor_type == TensorType.BF16:
        return np.abs(x) * 2.0 ** -8
    block_size, _ = BLOCK_GEOMETRY[tensor_type]
    blocks = _blocks(x, block_size)
    spread = np.abs(blocks).max(axis=1, keepdims=True)
    # Q8_0: half a step of max/127. Q4_0 and Q6_K map the extreme value to the
    # negative end (-8, -32), so its opposite is clipped one step short: a full
    # step of max/8 or max/32. Q4_K: half a step of range/15 plus the rounding
    # of 6-bit sub-block scales and mins to 1/63 of the largest, times 15 steps.
    # The small terms cover the f16 rounding of the block scales.
    relative = {
        TensorType.Q8_0: 0.5 / 127 + 2.0 ** -10,
        TensorType.Q4_0: 1.0 / 8 + 2.0 ** -9,
        TensorType.Q4_K: 2.0 / 15 + 4.0 / 63,
        TensorType.Q6_K: 1.0 / 32 + 2.0 / 127,
    }[tensor_type]
    return np.broadcast_to(spread * relative * 1.01 + 1e-30, blocks.shape).reshape(x.shape)
