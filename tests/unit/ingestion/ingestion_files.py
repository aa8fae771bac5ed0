"""Hand-written landing files that follow (or break) the sources contract, and ways to read the outcome."""

import json
from pathlib import Path

import duckdb
from openpyxl import Workbook

from ingestion.ibc_finance import FI_ITEMS

FI_HEADER = "|".join(c.name for c in FI_ITEMS.columns)


def landing(home: Path, feed: str) -> Path:
    folder = home / "landing" / feed
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_sap(
    home: Path, feed: str, name: str, lines: list[str], trailer: str | None = "auto", encoding: str = "cp1252"
) -> Path:
    """An IBC extract: CRLF lines, header first, then `TRL|<data lines>|0` unless told otherwise."""
    if trailer == "auto":
        trailer = f"TRL|{len(lines) - 1}|0"
    body = "\r\n".join(lines + ([trailer] if trailer else [])) + "\r\n"
    path = landing(home, feed) / name
    path.write_bytes(body.encode(encoding))
    return path


def quote(values: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' for v in values)


def write_csv(
    home: Path, feed: str, name: str, header: list[str], rows: list[list[str]], bom: bool = False
) -> Path:
    text = "\n".join([quote(header)] + [quote(r) for r in rows]) + "\n"
    path = landing(home, feed) / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def write_jsonl(home: Path, feed: str, name: str, records: list[dict | str]) -> Path:
    """One line per record: a dict is dumped as JSON, a str is written as it is (to break things)."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path = landing(home, feed) / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_xlsx(home: Path, feed: str, name: str, rows: list[list], sheet: str = "Benefits") -> Path:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    path = landing(home, feed) / name
    workbook.save(path)
    return path


def report(home: Path, feed: str, name: str) -> dict:
    return json.loads((home / "quarantine" / feed / f"{name}.rejection.json").read_text())


def checks(home: Path, feed: str, name: str) -> dict[str, dict]:
    """The findings of a file's report by check."""
    return {f["check"]: f for f in report(home, feed, name)["findings"]}


def quarantined_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select source_file, row_number, check_name, column_name from ops.quarantined_rows order by 1, 2, 3"
    ).fetchall()
