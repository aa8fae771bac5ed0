"""`insight-hub refresh` says what THIS run did (review finding F4).

A small world (scale 0.01, 8 days) is refreshed without its last day's deliveries, then again
once they have landed: the second summary counts exactly the new day's files, and the history's
totals are labelled as such.
"""

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from orchestration.resources import REPO_ROOT

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "cli"]
LAST_DAY = "20250408"
THIS_RUN = re.compile(
    r"refresh: this run: (\S+): (\d+) files loaded \(\d+ rows, \d+ rows quarantined\), (\d+) files"
)


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home)}
    return subprocess.run([*CLI, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)


def this_run(stdout: str) -> Counter:
    """Files this run registered per landing folder, loaded or quarantined, from the summary."""
    return Counter({feed: int(loaded) + int(refused) for feed, loaded, refused in THIS_RUN.findall(stdout)})


def landed(folder: Path) -> Counter:
    return Counter(p.parent.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_second_refresh_summarises_only_the_new_days_files(tmp_path):
    home, held = tmp_path / "home", tmp_path / "held"
    simulated = run(
        home, "simulate", "--scale", "0.01", "--start", "2025-04-01", "--days", "8", "--seed", "7"
    )
    assert simulated.returncode == 0, simulated.stderr[-2000:]
    landing = home / "landing"
    for path in [p for p in landing.rglob(f"*{LAST_DAY}*") if p.is_file()]:
        target = held / path.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    first_day_files, new_day_files = landed(landing), landed(held)
    assert new_day_files

    first = run(home, "refresh", "--quiet")
    assert this_run(first.stdout) == first_day_files, first.stdout[-3000:]
    shutil.copytree(held, landing, dirs_exist_ok=True)
    second = run(home, "refresh", "--quiet")
    assert this_run(second.stdout) == new_day_files, second.stdout[-3000:]
    total = sum((first_day_files + new_day_files).values())
    loaded, refused = re.search(
        r"refresh: all runs so far: (\d+) files loaded \(\d+ rows\), (\d+) files quarantined", second.stdout
    ).groups()
    assert int(loaded) + int(refused) == total
