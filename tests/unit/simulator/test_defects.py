"""Each defect kind can be switched on alone, is logged, and the delivered file really shows it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from simulator_contract import AMOUNT, IBC, read_csv, read_ibc

from simulator import DEFECT_KINDS, simulate

OUTCOMES = {
    "file_quarantined",
    "row_quarantined",
    "loaded_with_warning",
    "new_version",
    "late_arrival",
    "bdu_missing_in_sap",
    "bdu_amount_mismatch",
}


def _run(home: Path, kind: str, days: int, rate: float) -> list[dict]:
    simulate(
        home, scale=0.01, start=dt.date(2025, 4, 1), days=days, seed=11, defects=rate, kinds={kind: True}
    )
    text = (home / "simulator_truth/defects.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\r\n")


def test_no_defects_at_rate_zero(tmp_path):
    simulate(tmp_path, scale=0.01, start=dt.date(2025, 4, 1), days=3, seed=11, defects=0)
    assert (tmp_path / "simulator_truth/defects.jsonl").read_text() == ""


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(ValueError):
        simulate(tmp_path, scale=0.01, days=1, kinds={"no_such_kind": True})


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_kind_is_injected_logged_and_visible(tmp_path, kind):
    days = 20 if kind.startswith("bdu") else 9
    log = _run(tmp_path, kind, days, rate=0.3 if kind == "late_file" else 1.0)
    assert log, f"{kind} was never injected"
    assert {e["kind"] for e in log} == {kind}
    assert all(
        set(e) == {"kind", "feed", "file", "line", "record", "expect"} and e["expect"] in OUTCOMES
        for e in log
    )
    land = tmp_path / "landing"
    for entry in log[:25]:
        path = land / entry["feed"] / entry["file"]
        assert path.exists(), entry
        CHECKS[kind](path, entry, land)


def _ibc_text(path: Path) -> list[str]:
    return path.read_bytes().decode("cp1252").split("\r\n")


def _missing_trailer(path, entry, land):
    lines = _ibc_text(path)
    assert not any(ln.startswith("TRL|") for ln in lines)


def _wrong_trailer(path, entry, land):
    header, rows, trailer = read_ibc(path)
    amount = AMOUNT.get(path.name.rsplit("_", 1)[0])
    total = sum(abs(Decimal(r[header.index(amount)])) for r in rows) if amount else Decimal(0)
    assert (
        trailer[0] != len(rows)
        or (amount and Decimal(trailer[1]) != total)
        or (not amount and trailer[1] != "0")
    )


def _truncated(path, entry, land):
    lines = _ibc_text(path)
    header = lines[0].split("|")
    assert not lines[-1].startswith("TRL|") and len(lines[-1].split("|")) < len(header)
    assert entry["line"] == len(lines)


def _duplicated(path, entry, land):
    lines = _lines(path)
    assert lines[entry["line"] - 1] == lines[entry["line"] - 2]
    check_trailer_count(path)


def check_trailer_count(path):
    header, rows, trailer = read_ibc(path)
    assert trailer[0] == len(rows)


def _resent(path, entry, land):
    # the corrected version replaced the original: its trailer still matches its rows
    check_trailer_count(path)


def _extra_column(path, entry, land):
    header = _ibc_text(path)[0].split("|")
    assert "ZZNEWFLD" in header


def _renamed_column(path, entry, land):
    header = _ibc_text(path)[0].split("|")
    prefix = path.name.rsplit("_", 1)[0]
    assert set(IBC[prefix]) - set(header)


def _zero_date(path, entry, land):
    fields = _ibc_text(path)[entry["line"] - 1].split("|")
    assert "00000000" in fields


def _trailing_minus(path, entry, land):
    fields = _ibc_text(path)[entry["line"] - 1].split("|")
    assert any(f.endswith("-") or (f.startswith("-") and f[1:2].isdigit()) for f in fields)


def _bad_encoding(path, entry, land):
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("cp1252")


def _late(path, entry, land):
    """Delivered after the next day's files (the telephony feed is never late)."""
    stamp = path.stem.rsplit("_", 1)[1]
    day = dt.datetime.strptime(stamp, "%Y%m%d").date()
    next_day = land / "csc/telephony" / f"cdr_{(day + dt.timedelta(days=1)):%Y%m%d}.jsonl"
    assert next_day.exists() and path.stat().st_mtime_ns > next_day.stat().st_mtime_ns


def test_late_file_beyond_the_range_comes_with_the_next_call(tmp_path):
    args = dict(scale=0.01, seed=11, defects=0.3, kinds={"late_file": True})
    simulate(tmp_path, start=dt.date(2025, 4, 1), days=9, **args)
    before = {p.name for p in (tmp_path / "landing").rglob("*.txt")}
    simulate(tmp_path, start=dt.date(2025, 4, 10), days=6, **args)
    log = [json.loads(x) for x in (tmp_path / "simulator_truth/defects.jsonl").read_text().splitlines()]
    carried = [e["file"] for e in log if e["file"] not in before and e["file"].rsplit("_", 1)[1] < "20250410"]
    assert carried, "no late file of the first range was delivered by the second call"
    for name in carried:
        assert any(p.name == name for p in (tmp_path / "landing").rglob(name))


def _title_row(path, entry, land):
    first = path.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert not first.startswith('"')


def _csv_renamed(path, entry, land):
    header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert any(" " in h or h[:1].isupper() for h in header)


def _malformed(path, entry, land):
    line = path.read_text(encoding="utf-8").splitlines()[entry["line"] - 1]
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def _empty(path, entry, land):
    assert path.stat().st_size == 0


def _duplicate_file(path, entry, land):
    assert path.read_bytes() == (path.parent / entry["record"]).read_bytes()


def _fi_totals(land: Path) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for p in (land / "ibc/finance").glob("FI_ITEMS_*.txt"):
        header, rows, _ = read_ibc(p)
        col = {c: i for i, c in enumerate(header)}
        for r in rows:
            if r[col["XBLNR"]].startswith("BDU") and r[col["KOSTL"]]:
                sign = 1 if r[col["SHKZG"]] == "S" else -1
                key = r[col["XBLNR"]][3:]
                totals[key] = totals.get(key, Decimal(0)) + sign * Decimal(r[col["DMBTR"]])
    return totals


def _bdu_missing(path, entry, land):
    assert entry["record"] not in _fi_totals(land)


def _bdu_short(path, entry, land):
    header, rows = read_csv(path, bom=True)
    col = {c: i for i, c in enumerate(header)}
    care = sum(Decimal(r[col["amount_gbp"]]) for r in rows if r[col["bdu_batch_id"]] == entry["record"])
    sap = _fi_totals(land).get(entry["record"])
    if sap is not None:  # posted within the simulated days
        assert sap != care


CHECKS = {
    "missing_trailer": _missing_trailer,
    "wrong_trailer": _wrong_trailer,
    "truncated_last_line": _truncated,
    "duplicated_lines": _duplicated,
    "resent_with_corrections": _resent,
    "extra_column": _extra_column,
    "renamed_column": _renamed_column,
    "zero_date": _zero_date,
    "trailing_minus": _trailing_minus,
    "bad_encoding": _bad_encoding,
    "late_file": _late,
    "csv_title_row": _title_row,
    "csv_renamed_column": _csv_renamed,
    "malformed_json": _malformed,
    "empty_file": _empty,
    "duplicate_file_new_name": _duplicate_file,
    "bdu_missing": _bdu_missing,
    "bdu_short": _bdu_short,
}


def test_every_kind_has_a_check():
    assert set(CHECKS) == set(DEFECT_KINDS)


def test_matched_batches_agree_when_no_defects(clean_home):
    home, _ = clean_home
    land = home / "landing"
    header, rows = read_csv(land / "care/payments/care_payments_20250407.csv", bom=True)
    col = {c: i for i, c in enumerate(header)}
    care: dict[str, Decimal] = {}
    for r in rows:
        care[r[col["bdu_batch_id"]]] = care.get(r[col["bdu_batch_id"]], Decimal(0)) + Decimal(
            r[col["amount_gbp"]]
        )
    sap = _fi_totals(land)
    posted = [b for b in care if b in sap]
    assert posted and all(sap[b] == care[b] for b in posted)
