"""Human review: the uncertain band is queued; a recorded decision survives reruns and retraining,
changes only the pair it names, and is audited."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from identity_world import SALT

from identity import resolution, review

pytestmark = pytest.mark.slow  # each test resolves a simulated world several times


def _run(home: Path) -> resolution.RunSummary:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        return resolution.run(con, home, SALT)


def _keys(home: Path) -> dict[str, str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return dict(
            con.execute(
                "select source_system || ':' || source_record_id, customer_key from restricted.customer_xref"
            ).fetchall()
        )


def _decide(home: Path, left: str, right: str, decision: str) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        review.record_decision(con, left, right, decision, "A. Reviewer", "checked the paper file")


def _linked_pair(home: Path) -> tuple[str, str]:
    """Two records of one customer of exactly two records, linked directly by the model."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            """select min(uid), max(uid)
               from (select *, source_system || ':' || source_record_id as uid from restricted.customer_xref)
               group by customer_key
               having count(*) = 2 and min(match_probability) >= 0.999
               order by 1 limit 1"""
        ).fetchall()[0]


def test_a_no_match_decision_splits_only_its_pair_and_survives_reruns(world: Path):
    first = _run(world)
    assert first.review_queue > 0 and first.decisions_applied == 0
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        band = con.execute(
            "select min(match_probability), max(match_probability), count(*) from restricted.identity_review"
        ).fetchall()[0]
    assert band[0] >= review.REVIEW_LOW and band[1] < review.REVIEW_HIGH and band[2] == first.review_queue
    dashboards = review.review_dir(world)
    assert {p.name for p in dashboards.glob("*.html")} == {"comparison_viewer.html", "cluster_studio.html"}
    assert "vega" in (dashboards / "comparison_viewer.html").read_text()[:2_000_000].lower()

    before = _keys(world)
    left, right = _linked_pair(world)
    _decide(world, left, right, "no_match")
    for _ in range(2):  # the next night, and the one after (the model is retrained on each run)
        summary = _run(world)
        after = _keys(world)
        assert summary.decisions_applied == 1
        assert after[left] != after[right]
        changed = {uid for uid in before if before[uid] != after[uid]}
        assert len(changed) == 1 and changed < {left, right}  # the later record gets a key of its own

    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        audit = con.execute(
            "select reviewer, unique_id_l, unique_id_r, decision, reason, recorded_from "
            "from restricted.identity_decisions"
        ).fetchall()
    assert audit == [("A. Reviewer", left, right, "no_match", "checked the paper file", "cli")]


def test_a_match_decision_joins_its_pair_and_the_latest_decision_wins(world: Path):
    _run(world)
    keys = _keys(world)
    by_customer: dict[str, list[str]] = {}
    for uid, key in sorted(keys.items()):
        by_customer.setdefault(key, []).append(uid)
    singles = sorted(uids[0] for uids in by_customer.values() if len(uids) == 1)
    left, right = singles[0], singles[-1]  # two records the model keeps apart
    _decide(world, left, right, "match")
    _run(world)
    after = _keys(world)
    assert after[left] == after[right]
    assert sum(keys[uid] != after[uid] for uid in keys) == 1  # the later record takes the earlier key
    _decide(world, left, right, "no_match")  # the reviewer changes their mind: the latest decision holds
    _run(world)
    assert _keys(world) == keys


def test_review_cli_records_decisions_from_a_file_and_refuses_unknown_records(world: Path, tmp_path: Path):
    _run(world)
    env = {**os.environ, "INSIGHT_HUB_HOME": str(world)}
    cli = str(Path(sys.executable).parent / "insight-hub")

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([cli, "review-identity", *args], env=env, capture_output=True, text=True)

    listed = call("list", "--limit", "3")
    assert listed.returncode == 0 and "pairs to review" in listed.stdout
    exported = call("export")
    queue = review.review_dir(world) / "queue.csv"
    assert exported.returncode == 0 and queue.exists()
    lines = queue.read_text().splitlines()
    assert lines[0] == "unique_id_l,unique_id_r,match_probability,linked_now,decision,reason"
    left, right = lines[1].split(",")[:2]
    filled = tmp_path / "decisions.csv"
    filled.write_text(lines[0] + "\n" + f"{left},{right},0.9,false,no_match,different people\n")
    done = call("import", str(filled), "--reviewer", "B. Reviewer")
    assert done.returncode == 0 and "recorded 1 decisions" in done.stdout
    refused = call("decide", "crm:NOPE", right, "--match", "--reviewer", "B. Reviewer")
    assert refused.returncode == 1 and "no resolved record crm:NOPE" in refused.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + "\n" + f"{left},{right},0.9,false,perhaps,\n")
    refused = call("import", str(bad), "--reviewer", "B. Reviewer")
    assert refused.returncode == 1 and "line 2: decision must be one of match, no_match" in refused.stderr
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select reviewer, decision, recorded_from from restricted.identity_decisions"
        ).fetchall()
    assert rows == [("B. Reviewer", "no_match", "file decisions.csv line 2")]
    summary = _run(world)
    assert summary.decisions_applied == 1
    assert _keys(world)[left] != _keys(world)[right]
