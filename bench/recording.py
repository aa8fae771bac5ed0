"""What every benchmark records beside its numbers, and where: bench/results/<name>_<date>.json."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from importlib.metadata import version
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("duckdb", "dagster", "dbt-core", "splink", "great-expectations")


def machine() -> dict:
    """The machine, the versions measured, and how busy the machine was: other work shares its
    2 cores, and the 1-minute load average at the end says how much."""
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{package: version(package) for package in PACKAGES},
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }


def record(name: str, result: dict) -> Path:
    """Write `result` as today's bench/results/<name>_<date>.json and return its path."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}_{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    return out
