"""The simulated county: one deterministic world per (seed, scale), built lazily part by part."""

from __future__ import annotations

from functools import cached_property

from simulator.org import Org, build_org
from simulator.staff import Staff, build_staff


class World:
    """Everything the source systems know, over the fixed horizon; feeds only read from it."""

    def __init__(self, seed: int, scale: float) -> None:
        self.seed = seed
        self.scale = scale

    @cached_property
    def org(self) -> Org:
        return build_org(self.seed, self.scale)

    @cached_property
    def staff(self) -> Staff:
        return build_staff(self.seed, self.scale, self.org)
