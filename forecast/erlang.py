"""Erlang C: agents needed to answer a share of calls within a target wait (M/M/N queue).

Why a small implementation: the sums are a few lines with Erlang B's recursion (numerically
stable for hundreds of agents, unlike A**N / N!), vectorised over every half-hour at once; the
maintained libraries found either pull heavy dependencies or work one interval at a time.
Checked against published worked examples in tests/unit/forecast/test_erlang.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_AGENTS = 2_000  # a county contact centre's half-hour never needs more; beyond it is bad input


@dataclass(frozen=True)
class StaffingSettings:
    """The service-level target and the planning allowances (defaults: issue 21)."""

    service_level: float = 0.80  # share of calls answered within target_wait_s
    target_wait_s: float = 20.0
    shrinkage: float = 0.30  # share of paid time not available to take calls (leave, training, breaks)
    max_occupancy: float = 0.85  # agents busy at most this share of their logged-in time
    interval_s: float = 1800.0  # the planning interval (half an hour)

    def __post_init__(self) -> None:
        checks = {
            "service_level": 0 < self.service_level < 1,
            "target_wait_s": self.target_wait_s >= 0,
            "shrinkage": 0 <= self.shrinkage < 1,
            "max_occupancy": 0 < self.max_occupancy <= 1,
            "interval_s": self.interval_s > 0,
        }
        bad = [f"{name}={getattr(self, name)!r}" for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid staffing settings: {', '.join(bad)}")


DEFAULT_STAFFING = StaffingSettings()


def traffic_erlangs(calls: np.ndarray, aht_s: np.ndarray, interval_s: float = 1800.0) -> np.ndarray:
    """Offered load A = calls x AHT / interval length, in Erlangs."""
    calls, aht_s = np.asarray(calls, float), np.asarray(aht_s, float)
    if np.any(~np.isfinite(calls) | (calls < 0)) or np.any(~np.isfinite(aht_s) | (aht_s <= 0)):
        raise ValueError("calls must be finite and >= 0, and aht_s finite and > 0")
    return calls * aht_s / interval_s


def erlang_b(agents: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """Blocking probability B(N, A) by the recursion B(k) = A B(k-1) / (k + A B(k-1))."""
    agents = np.asarray(agents, np.int64)
    traffic = np.asarray(traffic, float)
    agents, traffic = np.broadcast_arrays(agents, traffic)
    b = np.ones(agents.shape)
    for k in range(1, int(agents.max(initial=0)) + 1):
        step = traffic * b / (k + traffic * b)
        b = np.where(k <= agents, step, b)
    return b


def probability_of_waiting(agents: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """Erlang C: the probability a call waits, C(N, A) = N B / (N - A (1 - B)); 1 when N <= A."""
    agents = np.asarray(agents, float)
    traffic = np.asarray(traffic, float)
    b = erlang_b(agents.astype(np.int64), traffic)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = agents * b / (agents - traffic * (1 - b))
    return np.where(agents > traffic, c, 1.0)


def service_level(
    agents: np.ndarray, traffic: np.ndarray, aht_s: np.ndarray, target_wait_s: float
) -> np.ndarray:
    """Share of calls answered within target_wait_s: 1 - C exp(-(N - A) t / AHT); 0 when N <= A."""
    agents = np.asarray(agents, float)
    traffic = np.asarray(traffic, float)
    c = probability_of_waiting(agents, traffic)
    sl = 1 - c * np.exp(-(agents - traffic) * target_wait_s / np.asarray(aht_s, float))
    return np.where(agents > traffic, sl, 0.0)


def average_speed_of_answer(agents: np.ndarray, traffic: np.ndarray, aht_s: np.ndarray) -> np.ndarray:
    """Mean wait over all calls: C AHT / (N - A); infinite when N <= A."""
    agents = np.asarray(agents, float)
    traffic = np.asarray(traffic, float)
    c = probability_of_waiting(agents, traffic)
    with np.errstate(divide="ignore"):
        asa = c * np.asarray(aht_s, float) / (agents - traffic)
    return np.where(agents > traffic, asa, np.inf)


def agents_required(
    calls: np.ndarray, aht_s: np.ndarray, settings: StaffingSettings = DEFAULT_STAFFING
) -> np.ndarray:
    """Fewest agents on the phones meeting the service level and the occupancy cap (before shrinkage).

    Vectorised: every interval climbs from its lower bound (ceil(A / max_occupancy), at least 1 when
    there are calls) one agent at a time until its service level is met. No calls: 0 agents.
    """
    traffic = traffic_erlangs(calls, aht_s, settings.interval_s)
    shape = traffic.shape
    aht = np.broadcast_to(np.asarray(aht_s, float), shape).ravel()
    traffic = traffic.ravel()
    n = np.maximum(np.floor(traffic) + 1, np.ceil(traffic / settings.max_occupancy - 1e-9))
    n = np.where(traffic > 0, n, 0)
    if np.any(n > MAX_AGENTS):
        raise ValueError(f"more than {MAX_AGENTS} agents needed in one interval: check calls and aht_s")
    todo = traffic > 0
    while todo.any():
        sl = service_level(n[todo], traffic[todo], aht[todo], settings.target_wait_s)
        short = sl < settings.service_level
        idx = np.flatnonzero(todo)
        n[idx[short]] += 1
        todo[idx[~short]] = False
        if np.any(n > MAX_AGENTS):
            raise ValueError(f"more than {MAX_AGENTS} agents needed in one interval: check calls and aht_s")
    return n.astype(np.int64).reshape(shape)


def staff_required(agents: np.ndarray, settings: StaffingSettings = DEFAULT_STAFFING) -> np.ndarray:
    """Staff to roster so that `agents` are available after shrinkage: ceil(agents / (1 - shrinkage))."""
    agents = np.asarray(agents, float)
    return np.ceil(agents / (1 - settings.shrinkage) - 1e-9).astype(np.int64)
