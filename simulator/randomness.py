"""Deterministic random streams: one independent generator per (seed, purpose, part)."""

from __future__ import annotations

import zlib

import numpy as np


def rng(seed: int, *parts: object) -> np.random.Generator:
    """A generator that depends only on the seed and the named purpose, never on call order."""
    key = [int(seed)] + [zlib.crc32(str(p).encode("utf-8")) for p in parts]
    return np.random.default_rng(np.random.SeedSequence(key))


def scaled(base: float, scale: float, minimum: int) -> int:
    """A count proportional to scale, never below the minimum that keeps every category populated."""
    return max(int(minimum), int(round(base * scale)))


def choice(r: np.random.Generator, options: list | np.ndarray, p: list | np.ndarray | None, size: int):
    """Vectorised weighted choice over a small list of options."""
    options = np.asarray(options, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return options[r.choice(len(options), size=size, p=p)]
