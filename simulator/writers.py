"""Serialise a file's table into the exact bytes of its contract format, and deliver it atomically."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from simulator.dates import zfill

BAD_BYTE_MARK = "\x07"  # placeholder in text fields for bytes undefined in Windows-1252 (bad_encoding)


@dataclass
class FileOut:
    """One delivered file before serialisation; defects edit it in place."""

    feed: str  # feed path, e.g. "ibc/hr"
    name: str  # file name, e.g. "PA0001_20250401.txt"
    fmt: str  # ibc | csv | csv_bom | jsonl | xlsx
    columns: list[str]
    data: dict[str, np.ndarray]  # column -> values (text for ibc/csv)
    cents: np.ndarray | None = None  # ibc: absolute amount per row in pence, summed into the trailer
    trailer: str = "ok"  # ibc: ok | missing | wrong_count | wrong_total | truncated
    header_names: list[str] | None = None  # header as written when it differs from the data keys
    title: str | None = None  # csv: a title line above the header
    bad_bytes: bytes = b"\x81"
    # truth rows: (source_system, source_record_ids, person_ids, variation)
    persons: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    empty: bool = False
    broken_line: int | None = None  # jsonl: index of a line cut mid-object (malformed_json)
    events: list[dict] = field(default_factory=list)  # defects logged with this file (BDU batches)

    @property
    def n_rows(self) -> int:
        return len(self.data[self.columns[0]]) if self.columns else 0


def _money(cents: np.ndarray) -> np.ndarray:
    """Pence to unsigned text with exactly two decimals."""
    cents = np.abs(np.asarray(cents, dtype=np.int64))
    return np.strings.add(
        np.strings.add((cents // 100).astype(str), "."), zfill((cents % 100).astype(str), 2)
    )


def money(cents: np.ndarray) -> np.ndarray:
    return _money(cents).astype(object)


def signed_money(cents: np.ndarray) -> np.ndarray:
    """Pence to text with a leading minus when negative (BUDGET's WTGBTR only)."""
    text = _money(cents)
    return np.where(np.asarray(cents) < 0, np.strings.add("-", text), text).astype(object)


def _join(columns: list[str], data: dict[str, np.ndarray], sep: str) -> np.ndarray:
    out = np.asarray(data[columns[0]]).astype(str)
    for c in columns[1:]:
        out = np.strings.add(np.strings.add(out, sep), np.asarray(data[c]).astype(str))
    return out


def ibc_bytes(f: FileOut) -> bytes:
    """Windows-1252, CRLF, pipe-delimited, no quoting, header, data lines, trailer TRL|count|total."""
    header = "|".join(f.header_names or f.columns)
    lines = list(_join(f.columns, f.data, "|")) if f.n_rows else []
    total = int(np.abs(f.cents).sum()) if f.cents is not None and len(f.cents) else 0
    count = len(lines)
    total_text = "0" if f.cents is None else str(_money(np.array([total]))[0])
    if f.trailer == "wrong_count":
        count += 1
    if f.trailer == "wrong_total":
        total_text = str(_money(np.array([total + 100]))[0]) if f.cents is not None else "1.00"
    out = [header, *lines]
    if f.trailer == "truncated":
        out[-1] = out[-1][: max(1, len(out[-1]) // 2)]
        text = "\r\n".join(out)
    elif f.trailer == "missing":
        text = "\r\n".join(out) + "\r\n"
    else:
        text = "\r\n".join(out + [f"TRL|{count}|{total_text}"]) + "\r\n"
    return text.encode("cp1252").replace(BAD_BYTE_MARK.encode("cp1252"), f.bad_bytes)


def csv_bytes(f: FileOut, bom: bool) -> bytes:
    """UTF-8 (optionally with BOM), comma, every value quoted, header line."""
    names = f.header_names or f.columns
    head = ",".join(f'"{c}"' for c in names) + "\n"
    body = io.BytesIO()
    if f.n_rows:
        table = pa.table({c: pa.array(np.asarray(f.data[c]).astype(str)) for c in f.columns})
        pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False, quoting_style="all_valid"))
    title = f"{f.title}\n" if f.title else ""
    return ("\ufeff" if bom else "").encode("utf-8") + (title + head).encode("utf-8") + body.getvalue()


def jstr(values: np.ndarray, null: np.ndarray | None = None) -> np.ndarray:
    """JSON string fragments (values never contain quotes or backslashes); null where flagged."""
    text = np.strings.add(np.strings.add('"', np.asarray(values).astype(str)), '"')
    return np.where(null, "null", text) if null is not None else text


def jraw(values: np.ndarray) -> np.ndarray:
    """Numbers and booleans as JSON fragments."""
    values = np.asarray(values)
    if values.dtype == bool:
        return np.where(values, "true", "false")
    return values.astype(str)


def jsonl_bytes(f: FileOut) -> bytes:
    """One JSON object a line, UTF-8; the data values are JSON fragments already.

    A day with no records is one empty line: zero bytes would be the `empty_file` defect.
    """
    if not f.n_rows:
        return b"\n"
    parts = {c: np.strings.add(f'"{c}":', np.asarray(f.data[c]).astype(str)) for c in f.columns}
    lines = np.strings.add("{", _join(f.columns, parts, ","))
    lines = list(np.strings.add(lines, "}"))
    if f.broken_line is not None:
        lines[f.broken_line] = lines[f.broken_line][: len(lines[f.broken_line]) // 2]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(f: FileOut, day: dt.date) -> bytes:
    """A hand-kept workbook: sheet Benefits, rows as given (title, header, blanks, total)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Benefits"
    for row in f.data["rows"]:
        ws.append(list(row))
    stamp = dt.datetime.combine(day, dt.time(9, 0))
    wb.properties.creator = "Programme Office"
    wb.properties.created = stamp
    raw = io.BytesIO()
    wb.save(raw)
    return _fix_zip(raw.getvalue(), stamp)


def _fix_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite the workbook zip with fixed timestamps so the same inputs give the same bytes."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                start = text.find("<dcterms:modified")
                if start >= 0:
                    open_end = text.find(">", start) + 1
                    close = text.find("</dcterms:modified>", open_end)
                    text = text[:open_end] + iso + text[close:]
                body = text.encode("utf-8")
            item = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = 0o600 << 16
            dst.writestr(item, body)
    return out.getvalue()


def render(f: FileOut, day: dt.date) -> bytes:
    if f.empty:
        return b""
    if f.fmt == "ibc":
        return ibc_bytes(f)
    if f.fmt in ("csv", "csv_bom"):
        return csv_bytes(f, bom=f.fmt == "csv_bom")
    if f.fmt == "jsonl":
        return jsonl_bytes(f)
    if f.fmt == "xlsx":
        return xlsx_bytes(f, day)
    raise ValueError(f.fmt)


def deliver(landing: Path, feed: str, name: str, data: bytes) -> None:
    """Write <file>.part then rename, so a reader never sees a half-written file."""
    folder = landing / feed
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{name}.part"
    part.write_bytes(data)
    os.replace(part, folder / name)
