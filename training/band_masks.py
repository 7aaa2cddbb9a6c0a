"""Frequency masks on the log-mel front end (SpecAugment's F masks), training only.

Each example gets n_masks runs of up to max_bands consecutive mel bands set to 0,
the normalised features' mean, in every sub-frame of every frame. The waveform
augmentation (dataset.augment) cannot do this: it changes the whole spectrum or
whole stretches of time, never a band for a whole utterance, which is what makes a
model spread its evidence across the spectrum instead of leaning on a few bands.
Masks come from a generator of their own, so a run with masks sees its data in
the same order as its twin without.
"""
import torch


class BandMasks:
    def __init__(self, n_mels: int, n_masks: int, max_bands: int, seed: int):
        if not 0 < max_bands < n_mels:
            raise ValueError(f"max_bands must be between 1 and {n_mels - 1}, not {max_bands}")
        self.n_mels, self.n_masks, self.max_bands = n_mels, n_masks, max_bands
        self.generator = torch.Generator().manual_seed(seed)

    def keep(self, batch: int) -> torch.Tensor:
        """[batch, n_mels] booleans: False where a band is masked."""
        bands = torch.arange(self.n_mels)
        keep = torch.ones(batch, self.n_mels, dtype=torch.bool)
        for _ in range(self.n_masks):
            width = torch.randint(0, self.max_bands + 1, (batch,), generator=self.generator)
            start = (torch.rand(batch, generator=self.generator) * (self.n_mels - width + 1)).long()
            keep &= (bands < start[:, None]) | (bands >= (start + width)[:, None])
        return keep

    def __call__(self, features: torch.Tensor) -> torch.Tensor:
        """features [B, n_frames, subframes * n_mels] (LogMel's output), masked per example."""
        b, n_frames, width = features.shape
        keep = self.keep(b).to(features.device, features.dtype)
        mel = features.view(b, n_frames, width // self.n_mels, self.n_mels)
        return (mel * keep[:, None, None, :]).view(b, n_frames, width)
