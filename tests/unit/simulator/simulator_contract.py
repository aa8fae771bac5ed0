"""A reader of the landing files written from sources.md (not from the simulator's code): the rules of
each format here, each file type's columns from its FeedSpec."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

from ingestion import FEEDS


def headers(fmt: str) -> dict[str, list[str]]:
    """{file name prefix: the columns in contract order} of every feed of one format."""
    return {
        spec.file_prefix.rstrip("_"): [c.name for c in spec.columns] for spec in FEEDS if spec.format == fmt
    }


# The header of every file type, as its FeedSpec (ingestion/, the contract of sources.md in code)
# names it: a new feed's FeedSpec is its contract here too, not a fifth place to edit.
IBC = headers("sap")
CSV = headers("csv")
JSONL = headers("jsonl")
FEED_OF = {prefix: spec.feed_path for spec in FEEDS if (prefix := spec.file_prefix.rstrip("_")) in IBC}
AMOUNT = {"FI_ITEMS": "DMBTR", "PAYMENTS": "RWBTR", "BUDGET": "WTGBTR", "PA0008": "ANSAL"}
KEY_WIDTH = {
    "PERNR": 8,
    "KOSTL": 10,
    "LIFNR": 10,
    "BELNR": 10,
    "PLANS": 8,
    "PLANS_UP": 8,
    "ORGEH": 8,
    "STELL": 8,
    "VBLNR": 10,
    "HKONT": 6,
    "BUZEI": 3,
    "VERAK": 8,
}
DATES = {"BEGDA", "ENDDA", "AEDTM", "GBDAT", "DATAB", "DATBI", "BLDAT", "BUDAT", "CPUDT", "LAUFD", "ZALDT"}
UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def prefix_of(name: str) -> str:
    """File type from a file name: the part before the date (or the year for BUDGET)."""
    return re.sub(r"_\d{4,8}\.\w+$", "", name)


def read_ibc(path: Path) -> tuple[list[str], list[list[str]], tuple[int, str] | None]:
    """Decode Windows-1252, split CRLF lines and the pipe; return header, rows, (trailer count, total)."""
    raw = path.read_bytes()
    text = raw.decode("cp1252", errors="strict")
    assert text.endswith("\r\n"), f"{path.name}: last line not CRLF-terminated"
    lines = text[:-2].split("\r\n")
    assert all("\n" not in ln and "\r" not in ln for ln in lines), f"{path.name}: bare LF or CR"
    header = lines[0].split("|")
    trailer = None
    body = lines[1:]
    if body and body[-1].startswith("TRL|"):
        _, count, total = body[-1].split("|")
        trailer = (int(count), total)
        body = body[:-1]
    rows = [ln.split("|") for ln in body]
    return header, rows, trailer


def check_ibc(path: Path) -> int:
    """Assert the IBC rules of sources.md on one file; return its data row count."""
    prefix = prefix_of(path.name)
    header, rows, trailer = read_ibc(path)
    assert sorted(header) == sorted(IBC[prefix]), f"{path.name}: header {header}"
    assert trailer is not None, f"{path.name}: no trailer"
    assert trailer[0] == len(rows), f"{path.name}: trailer count {trailer[0]} != {len(rows)}"
    col = {name: i for i, name in enumerate(header)}
    for row in rows:
        assert len(row) == len(header), f"{path.name}: field count"
        for name, width in KEY_WIDTH.items():
            if name in col and row[col[name]] != "":
                assert re.fullmatch(rf"\d{{{width}}}", row[col[name]]), (
                    f"{path.name}: {name}={row[col[name]]}"
                )
        for name in DATES & set(col):
            assert re.fullmatch(r"\d{8}", row[col[name]]), f"{path.name}: {name}={row[col[name]]}"
        if "BUKRS" in col:
            assert row[col["BUKRS"]] == "1000"
    if prefix in AMOUNT:
        pattern = r"-?\d+\.\d{2}" if prefix == "BUDGET" else r"\d+\.\d{2}"
        values = [row[col[AMOUNT[prefix]]] for row in rows]
        assert all(re.fullmatch(pattern, v) for v in values), f"{path.name}: amount format"
        total = sum((abs(Decimal(v)) for v in values), Decimal("0"))
        assert re.fullmatch(r"\d+\.\d{2}", trailer[1]), f"{path.name}: trailer total {trailer[1]}"
        assert Decimal(trailer[1]) == total, f"{path.name}: trailer total {trailer[1]} != {total}"
    else:
        assert trailer[1] == "0", f"{path.name}: trailer total must be 0"
    return len(rows)


def read_csv(path: Path, bom: bool) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom, f"{path.name}: BOM expected={bom}"
    text = raw.decode("utf-8-sig" if bom else "utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
