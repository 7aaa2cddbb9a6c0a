"""Opus coding of 16 kHz mono speech through libopus, for data that must travel small.

Speech at 16 kbit/s takes 2 kB a second, a quarter of mu-law + lzma, so the whole
training set and a checkpoint fit one call to the GPU machine. Python reaches libopus
by ctypes (Debian's libopus0 here; a copy of that file travels with the data to a
machine without it). Each utterance is coded on its own: 40 ms packets, each behind
its length as two little-endian bytes, after a first two bytes that give the
encoder's lookahead: that many samples of trailing silence are coded too and dropped
from the decoded start, so the samples line up with the original.

  codec = OpusCodec()
  blob = codec.encode(pcm16, bitrate=16000)
  pcm16_again = codec.decode(blob, len(pcm16))
"""
import ctypes
import pathlib
import subprocess

import numpy as np

SAMPLE_RATE = 16000
FRAME = 640  # 40 ms, the model's frame
APPLICATION_VOIP = 2048
SET_BITRATE = 4002
GET_LOOKAHEAD = 4027
MAX_PACKET = 4000


def system_library() -> pathlib.Path:
    """Debian's libopus0, found as the dynamic linker finds it."""
    listing = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        name, _, path = line.partition("=>")
        if name.strip().startswith("libopus.so.0") and "x86-64" in name:
            return pathlib.Path(path.strip())
    raise SystemExit("libopus not found: install Debian's libopus0, or give the path of a libopus.so.0")


class OpusCodec:
    def __init__(self, library: pathlib.Path | None = None):
        self.path = pathlib.Path(library) if library else system_library()
        self.lib = ctypes.CDLL(str(self.path))
        self.lib.opus_encoder_create.restype = ctypes.c_void_p
        self.lib.opus_decoder_create.restype = ctypes.c_void_p
        self.lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
        self.lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
        self.lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                         ctypes.c_int32]
        self.lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.c_void_p,
                                         ctypes.c_int, ctypes.c_int]

    def _check(self, code: int, what: str) -> int:
        if code < 0:
            raise RuntimeError(f"libopus {what} failed: error {code}")
        return code

    def _create(self, create, *args):
        error = ctypes.c_int(0)
        handle = create(*args, ctypes.byref(error))
        self._check(error.value, create.__name__)
        return handle

    def encode(self, pcm16: np.ndarray, bitrate: int) -> bytes:
        encoder = self._create(self.lib.opus_encoder_create, SAMPLE_RATE, 1, APPLICATION_VOIP)
        try:
            self._check(self.lib.opus_encoder_ctl(ctypes.c_void_p(encoder), SET_BITRATE, ctypes.c_int32(bitrate)),
                        "set bitrate")
            lookahead = ctypes.c_int32(0)
            self._check(self.lib.opus_encoder_ctl(ctypes.c_void_p(encoder), GET_LOOKAHEAD, ctypes.byref(lookahead)),
                        "get lookahead")
            n = len(pcm16) + lookahead.value
            padded = np.zeros(-(-n // FRAME) * FRAME, dtype=np.int16)
            padded[: len(pcm16)] = pcm16
            packet = ctypes.create_string_buffer(MAX_PACKET)
            out = bytearray(lookahead.value.to_bytes(2, "little"))
            for start in range(0, len(padded), FRAME):
                frame = np.ascontiguousarray(padded[start: start + FRAME])
                size = self._check(self.lib.opus_encode(encoder, frame.ctypes.data, FRAME, packet, MAX_PACKET),
                                   "encode")
                out += size.to_bytes(2, "little") + packet.raw[:size]
            return bytes(out)
        finally:
            self.lib.opus_encoder_destroy(encoder)

    def decode(self, blob: bytes, n_samples: int) -> np.ndarray:
        decoder = self._create(self.lib.opus_decoder_create, SAMPLE_RATE, 1)
        try:
            frame = np.zeros(FRAME, dtype=np.int16)
            lookahead, at = int.from_bytes(blob[:2], "little"), 2
            pieces = []
            while at < len(blob):
                size = int.from_bytes(blob[at: at + 2], "little")
                got = self._check(self.lib.opus_decode(decoder, blob[at + 2: at + 2 + size], size, frame.ctypes.data,
                                                       FRAME, 0), "decode")
                pieces.append(frame[:got].copy())
                at += 2 + size
            pcm = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
            if len(pcm) < lookahead + n_samples:
                raise RuntimeError(f"opus stream holds {len(pcm) - lookahead} samples, not {n_samples}")
            return pcm[lookahead: lookahead + n_samples]
        finally:
            self.lib.opus_decoder_destroy(decoder)
