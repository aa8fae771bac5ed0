"""Must show: on a simulated county with defects on, every injected defect is caught and reported, and
nothing else is; re-running ingestion changes nothing; no personal data reaches a report.

The simulator delivers one day at a time and ingestion runs after each day, as the nightly job does,
so that late files arrive after later days and a re-sent file meets its first version.
"""

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingestion import FEEDS, register
from ingestion.landing import ingest_feed
from simulator import simulate

pytestmark = pytest.mark.slow

START, DAYS, SCALE, SEED, RATE = date(2025, 4, 1), 40, 0.02, 3, 0.06  # a world with every kind
INGESTION_OUTCOMES = {
    "file_quarantined",
    "row_quarantined",
    "loaded_with_warning",
    "new_version",
    "late_arrival",
}
# The checks by which ingestion reports each defect kind the simulator injects.
CHECKS = {
    "missing_trailer": {"missing_trailer"},
    "wrong_trailer": {"trailer_count", "trailer_total"},
    "truncated_last_line": {"missing_trailer"},
    "renamed_column": {"missing_column"},
    "bad_encoding": {"encoding"},
    "csv_title_row": {"title_row"},
    "csv_renamed_column": {"missing_column"},
    "empty_file": {"empty_file"},
    "duplicate_file_new_name": {"duplicate_file"},
    "zero_date": {"missing_value"},
    "trailing_minus": {"signed_amount"},
    "duplicated_lines": {"duplicate_row"},
    "malformed_json": {"malformed_json"},
    "extra_column": {"extra_column"},
    "resent_with_corrections": {"new_version"},
    "late_file": {"late_arrival"},
}
ROW_KINDS = {"zero_date", "trailing_minus", "duplicated_lines", "malformed_json"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("defects")
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for day in range(DAYS):
            simulate(home, scale=SCALE, start=START + timedelta(days=day), days=1, seed=SEED, defects=RATE)
            for spec in FEEDS:
                ingest_feed(con, home, spec)
    return home


def defects(home: Path) -> list[dict]:
    lines = (home / "simulator_truth" / "defects.jsonl").read_text().splitlines()
    return [d for d in map(json.loads, lines) if d["expect"] in INGESTION_OUTCOMES]


def observed(home: Path) -> tuple[dict, set, set]:
    """Per (feed, file): checks reported; (file, line, check) refused rows; files ever quarantined."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        findings = con.execute(
            "select feed_path, file_name, check_name from ops.ingestion_findings"
        ).fetchall()
        rows = set(
            con.execute("select source_file, row_number, check_name from ops.quarantined_rows").fetchall()
        )
        quarantined = set(
            con.execute(
                "select feed_path, file_name from ops.file_register where status = 'quarantined'"
            ).fetchall()
        )
    checks = defaultdict(set)
    for feed, name, check in findings:
        checks[(feed, name)].add(check)
    return checks, rows, quarantined


def allowed_checks(logged: list[dict], by_file: dict) -> set[str]:
    """Checks a file may show given its logged defects (a copy inherits its original's)."""
    allowed = set()
    for d in logged:
        allowed |= CHECKS[d["kind"]]
        if d["kind"] == "duplicate_file_new_name":
            allowed |= allowed_checks(by_file.get((d["feed"], d["record"]), []), by_file)
    return allowed


def test_the_world_has_defects_of_every_ingestion_kind(world):
    kinds = {d["kind"] for d in defects(world)}
    assert kinds >= set(CHECKS), sorted(set(CHECKS) - kinds)


def test_every_injected_defect_is_caught_and_reported(world):
    checks, rows, quarantined = observed(world)
    by_file = defaultdict(list)
    for d in defects(world):
        by_file[(d["feed"], d["file"])].append(d)
    missed = []
    for d in defects(world):
        key = (d["feed"], d["file"])
        refused_whole = key in quarantined and checks[key] & allowed_checks(by_file[key], by_file)
        if d["kind"] in ROW_KINDS:
            caught = (d["file"], d["line"], next(iter(CHECKS[d["kind"]]))) in rows or refused_whole
        elif d["expect"] == "file_quarantined":
            caught = bool(refused_whole)
        else:
            caught = bool(CHECKS[d["kind"]] & checks[key]) or (refused_whole and d["kind"] != "late_file")
        if not caught:
            missed.append(d)
    assert missed == []


def test_nothing_else_is_reported(world):
    checks, rows, _ = observed(world)
    by_file = defaultdict(list)
    for d in defects(world):
        by_file[(d["feed"], d["file"])].append(d)
    unexplained = {
        key: found - allowed_checks(by_file[key], by_file)
        for key, found in checks.items()
        if found - allowed_checks(by_file[key], by_file)
    }
    assert unexplained == {}
    lines = {(d["file"], d["line"]) for d in defects(world) if d["kind"] in ROW_KINDS}
    row_files = {d["file"] for d in defects(world) if d["kind"] in ROW_KINDS}
    stray = [(f, n, c) for f, n, c in rows if (f, n) not in lines and f not in row_files]
    assert stray == []


def test_every_report_follows_the_schema_and_holds_no_personal_data(world):
    reports = list((world / "quarantine").rglob("*.rejection.json"))
    assert len(reports) > 50
    texts, values = _personal_values(world)
    for path in reports:
        report = json.loads(path.read_text())
        assert list(report) == [
            "file",
            "feed",
            "table",
            "sha256",
            "version",
            "outcome",
            "rows_read",
            "rows_loaded",
            "rows_quarantined",
            "findings",
            "report_version",
            "created_at",
        ]
        shown = {
            str(e["value"]) for f in report["findings"] for e in f["examples"] if e.get("value") is not None
        }
        text = path.read_text()
        assert not shown & values, path.name
        assert not [t for t in texts if t in text], path.name


def _personal_values(home: Path) -> tuple[set[str], set[str]]:
    """Every value of a personal column loaded from the simulated world (names, emails, phones, NI
    numbers, dates of birth, postcodes, ...): as text to search for, and all of them as values."""
    texts, values = set(), set()
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        for spec in FEEDS:
            for col in spec.columns:
                if not col.personal:
                    continue
                column = f'"{col.name}"::varchar'
                found = con.execute(
                    f"select distinct {column} from raw.{spec.table} where {column} <> ''"
                ).fetchall()
                values |= {v for (v,) in found}
                if col.type == "text":  # dates and ids are compared as values: they could occur by chance
                    texts |= {v for (v,) in found if len(v) >= 5}
    assert len(texts) > 1000
    return texts, values


def test_rows_are_conserved_for_every_file(world):
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        broken = {spec.table: register.out_of_balance(con, spec.table) for spec in FEEDS}
    assert {t: b for t, b in broken.items() if b} == {}


def test_ingesting_the_same_landing_zone_again_is_a_no_op(world):
    def state() -> dict:
        with duckdb.connect(str(world / "warehouse.duckdb")) as con:
            for spec in FEEDS:
                ingest_feed(con, world, spec)
            tables = [f"raw.{spec.table}" for spec in FEEDS]
            result = {
                t: con.execute(
                    f"select count(*), sum(hash(columns(* exclude (_loaded_at)))) from {t}"
                ).fetchone()
                for t in tables
            }
            for t in ("ops.file_register", "ops.quarantined_rows", "ops.ingestion_findings"):
                result[t] = con.execute(f"select count(*) from {t}").fetchone()
        return result

    before = state()
    for path in (world / "archive").rglob("*"):  # every archived file delivered again, same bytes
        if path.is_file() and "superseded" not in path.parts:
            target = world / "landing" / path.relative_to(world / "archive")
            target.write_bytes(path.read_bytes())
    assert state() == before
    assert not any(p.is_file() for p in (world / "landing").rglob("*"))
