"""Column orders as the IBC writes them: a fixed order per file type, not always the contract's."""

from __future__ import annotations

import zlib

import numpy as np


def header_order(prefix: str, columns: list[str], keep: bool = False) -> list[str]:
    """Contract columns in a fixed, deliberately shuffled order (so readers must key on names)."""
    if keep:
        return list(columns)
    r = np.random.default_rng(zlib.crc32(prefix.encode()))
    return [columns[i] for i in r.permutation(len(columns))]
