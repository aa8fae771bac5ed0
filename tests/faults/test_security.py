"""Security: hostile file names and links in the landing zone, and what `insight-hub ui` listens on.

No secret and no personal data in logs, event storage, reports or outputs: test_crash_safety.py
scans the homes of its runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import psutil
import pytest
from ingestion_files import landing

from ingestion.ibc_hr import PA0000, PA0001
from ingestion.landing import ingest_feed

HR = "ibc/hr"
HOSTILE_NAMES = [
    "'; drop table raw.ibc_pa0001; --.txt",
    'PA0001_20250101.txt"); delete from ops.file_register; --',
    "PA0001_20250101.txt; rm -rf ~",
    "$(touch pwned).txt",
    "`id`.txt",
    "PA0001_20250101.txt\\..\\..\\etc\\passwd",
    "PA0001_2025\n0101.txt",
    "PA0001_\u202e1010520250.txt",  # a right-to-left override
    "x" * 251 + ".txt",  # the longest name a file system takes: its report's name must be shortened
]


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_hostile_file_names_are_refused_by_name_and_change_nothing_else(tmp_path: Path, con):
    folder = landing(tmp_path, HR)
    for name in HOSTILE_NAMES:
        (folder / name).write_text("PERNR|BEGDA\r\nTRL|0|0\r\n")
    result = ingest_feed(con, tmp_path, PA0001)
    assert sorted(f.file_name for f in result.files) == sorted(HOSTILE_NAMES)
    assert {f.check_failed for f in result.files} == {"unknown_file"}
    reports = {
        json.loads(p.read_text())["file"]: p for p in (tmp_path / "quarantine" / HR).glob("*.rejection.json")
    }
    for name in HOSTILE_NAMES:  # each kept under its own name, beside its own report, in the folder
        assert (tmp_path / "quarantine" / HR / name).is_file()
        assert reports[name].parent == tmp_path / "quarantine" / HR
    assert not (tmp_path / "pwned").exists()
    assert con.execute("select count(*) from ops.file_register").fetchone()[0] == len(HOSTILE_NAMES)
    assert con.execute("select count(*) from raw.ibc_pa0001").fetchone()[0] == 0
    quarantine = tmp_path / "quarantine"
    assert all(p.resolve().is_relative_to(quarantine.resolve()) for p in quarantine.rglob("*"))


def test_a_link_to_a_folder_in_a_feed_folder_is_refused_and_never_entered(tmp_path: Path, con):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "PA0001_20250101.txt").write_text("not for us")
    os.symlink(outside, landing(tmp_path, HR) / "PA0001_20250201.txt")
    result = ingest_feed(con, tmp_path, PA0001)
    assert [(f.file_name, f.check_failed) for f in result.files] == [
        ("PA0001_20250201.txt", "not_a_regular_file")
    ]
    assert (outside / "PA0001_20250101.txt").read_text() == "not for us"
    assert (tmp_path / "quarantine" / HR / "PA0001_20250201.txt").is_symlink()


def test_a_feed_folder_that_leads_outside_the_landing_zone_is_not_read(tmp_path: Path, con):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "PA0000_20250101.txt").write_text("PERNR|BEGDA|MASSN|MASSG|AEDTM\r\nTRL|0|0\r\n")
    (outside / "passwords.txt").write_text("keep me here")
    (tmp_path / "landing" / "ibc").mkdir(parents=True)
    os.symlink(outside, tmp_path / "landing" / "ibc" / "hr")
    with pytest.raises(RuntimeError, match="leads outside the landing zone"):
        ingest_feed(con, tmp_path, PA0000)
    assert sorted(p.name for p in outside.iterdir()) == ["PA0000_20250101.txt", "passwords.txt"]


def test_landing_may_itself_be_a_link_to_a_mounted_share(tmp_path: Path, con):
    share = tmp_path / "share"
    (share / "ibc" / "hr").mkdir(parents=True)
    (share / "ibc" / "hr" / "PA0000_20250101.txt").write_text("PERNR|BEGDA|MASSN|MASSG|AEDTM\r\nTRL|0|0\r\n")
    home = tmp_path / "home"
    home.mkdir()
    os.symlink(share, home / "landing")
    assert [f.status for f in ingest_feed(con, home, PA0000).files] == ["loaded"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(process: psutil.Process) -> set[str]:
    """The addresses the process and its children listen on (TCP)."""
    found = set()
    for p in [process, *process.children(recursive=True)]:
        try:
            for c in p.net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    found.add(c.laddr.ip)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.mark.slow
def test_the_ui_and_the_daemon_listen_on_the_loopback_interface_only(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "INSIGHT_HUB_HOME": str(tmp_path / "home")}
    ui = subprocess.Popen(
        [sys.executable, "-m", "cli", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline and ui.poll() is None, "the UI did not start"
                time.sleep(1)
        addresses = listening(psutil.Process(ui.pid))
        assert addresses and addresses <= {"127.0.0.1", "::1"}, addresses
    finally:
        os.killpg(ui.pid, 15)
        ui.wait(timeout=60)
