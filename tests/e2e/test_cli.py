"""The CLI end to end, as a data engineer runs it: simulate, refresh, status, rollback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "cli"]


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home)}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=600)


def test_simulate_refresh_status(tmp_path):
    home = tmp_path / "home"
    simulated = run(home, "simulate", "--scale", "0.01", "--start", "2025-04-01", "--days", "35")
    assert simulated.returncode == 0, simulated.stderr
    assert any((home / "landing" / "ibc" / "hr").glob("PA0001_*.txt"))

    refreshed = run(home, "refresh")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "published release" in refreshed.stdout
    release_id = os.readlink(home / "published" / "current").split("/")[-1]
    assert (home / "published" / "current" / "insight_hub.duckdb").exists()

    status = run(home, "status")
    assert status.returncode == 0, status.stderr
    assert f"current release: {release_id}" in status.stdout
    assert "nightly_refresh" in status.stdout and "SUCCESS" in status.stdout
    assert "audience sets:" in status.stdout and "readers: owner only  mode 0o700" in status.stdout

    # Nothing new landed: refresh again still exits 0 and publishes the same data.
    again = run(home, "refresh")
    assert again.returncode == 0, again.stdout + again.stderr

    listed = run(home, "publish", "--status")
    assert release_id in listed.stdout
    rolled = run(home, "rollback", "--to", release_id)
    assert rolled.returncode == 0
    assert os.readlink(home / "published" / "current").endswith(release_id)
    assert run(home, "rollback", "--to", "19990101T000000Z").returncode != 0
