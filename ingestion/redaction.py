"""Erased records: the erasure register, delivered copies rewritten without them, and their suppression
when a source delivers them again.

- `ops.erasure_register` holds one row per erased source record: when, why (`erasure` or
  `retention`), the request's keyed hash, the source system and the record id as a keyed hash
  (HMAC-SHA256 with INSIGHT_HUB_SALT). No identifier is kept in clear, yet a record delivered
  again is recognised by hashing its id the same way.
- `redact_copies` rewrites every delivered copy in archive/ and quarantine/ (superseded versions
  included) of the person feeds without the lines of the given records. A line is the record's
  whole extent in these feeds (CSV without embedded line breaks, JSON lines); a line that cannot be
  parsed is dropped if it holds one of the ids at all. The rewritten file keeps its name, mode and
  modification time (rebuild order); the file register records the new checksum and size and why
  (register.record_redactions), so a rebuild from archive/ takes the rewritten copy as known.
- `suppress` withholds erased records from a batch being loaded: a re-delivered file, a new
  snapshot of a person index, or a rebuild. They are counted per file in the register's
  `suppressed_by_erasure` column, not refused.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ingestion import care, csc_crm, csc_telephony, person_index, register, web_forms
from ingestion.batch import BatchTables
from ingestion.contract import FeedSpec
from ingestion.layout import Layout, sql_path
from ingestion.rebuild import REPORT_SUFFIX

REASONS = ("erasure", "retention")
# What people write inside a phone number: spaces, hyphens, brackets ("(01865) 792-422"), as bytes
# (every ASCII whitespace, and the no-break space a number pasted from a document carries).
_SPACING_BYTES = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f()-"
_NBSP = "\u00a0".encode()
# A delivered copy's rewrite waits beside it as `.<name>.redacting` until the register agrees.
REWRITTEN_SUFFIX = ".redacting"
# The UTF-16 a delivery may be written in (Excel's "Unicode text"): its byte order mark, and its codec.
_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))

ERASURE_REGISTER_DDL = """
create schema if not exists ops;
create table if not exists ops.erasure_register (
    erased_at timestamp, reason varchar, request_hash varchar, source_system varchar, record_hash varchar
)
"""


@dataclass(frozen=True)
class PersonFeed:
    """A feed whose records belong to a person: its source system and the column naming a record.

    `dated_by` names the column holding a record's own date, for the feeds whose records retention
    removes by that date. `blank` names the columns that link a line to the person in a feed whose
    lines are not theirs to remove: a care payment is the council's financial record (kept for its
    accounts, and its BDU batch must still reconcile with SAP), so erasure keeps the line and
    empties its `client_ref`."""

    spec: FeedSpec
    source_system: str
    key: str
    blank: tuple[str, ...] = ()
    dated_by: str | None = None  # the column dating a record (retention's record_date trigger)


PERSON_FEEDS = (
    PersonFeed(csc_crm.CONTACTS, "crm", "contact_id", dated_by="created_at"),
    PersonFeed(web_forms.EFORMS, "eforms", "submission_id", dated_by="started_at"),
    PersonFeed(csc_telephony.CDR, "telephony", "call_id", dated_by="offered_at"),
    *(
        PersonFeed(spec, system, "source_person_id")
        for spec, system in zip(person_index.FEEDS, person_index.SYSTEMS, strict=True)
    ),
    # An adult's client_ref is their adult social care person id (children's are the children's
    # system's ids, which identity resolution does not hold).
    PersonFeed(care.CARE_PAYMENTS, "adult_social_care", "client_ref", blank=("client_ref",)),
)
BY_TABLE = {feed.spec.table: feed for feed in PERSON_FEEDS}


class ErasureError(RuntimeError):
    """Erased records would be loaded and cannot be recognised (no salt given, or the register's copy
    outside the warehouse is damaged)."""


def record_hash(salt: str, source_system: str, record_id: str) -> str:
    """The keyed hash that names an erased record in the erasure register."""
    return hmac.new(salt.encode(), f"erased:{source_system}:{record_id}".encode(), hashlib.sha256).hexdigest()


def register_erased(
    con: duckdb.DuckDBPyConnection,
    salt: str,
    reason: str,
    request_hash: str | None,
    records: dict[str, set[str]],
) -> int:
    """Record the erased records (source system -> record ids) in `ops.erasure_register`, hashed."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}: one of {', '.join(REASONS)}")
    con.execute(ERASURE_REGISTER_DDL)
    rows = [
        (system, record_hash(salt, system, rid)) for system, ids in records.items() for rid in sorted(ids)
    ]
    if rows:
        con.executemany(
            "insert into ops.erasure_register values (timezone('UTC', current_timestamp), ?, ?, ?, ?)",
            [(reason, request_hash, system, digest) for system, digest in rows],
        )
    return len(rows)


def save_register(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """Write `ops.erasure_register` to its copy outside the warehouse (after every change to it), so
    that a warehouse deleted and rebuilt from archive/ still withholds erased records re-delivered."""
    path = layout.erasure_register
    Layout.private_folder(path.parent)
    part = path.with_name(f".{path.name}.part")
    con.execute(ERASURE_REGISTER_DDL)
    con.execute(f"copy (from ops.erasure_register order by all) to '{sql_path(part)}' (format parquet)")
    os.chmod(part, 0o600)
    os.replace(part, path)


def restore_register(con: duckdb.DuckDBPyConnection, layout: Layout) -> int:
    """Bring back the entries of the register's copy that the warehouse lacks (rebuilt from archive/,
    or restored from a backup older than an erasure), and rewrite the copy if the warehouse holds
    entries it lacks (a crash between a removal's commit and `save_register`). Returns the entries
    brought back. Run before each feed is ingested."""
    con.execute(ERASURE_REGISTER_DDL)
    path = layout.erasure_register
    restored = 0
    in_file = 0
    if path.exists():
        source = f"read_parquet('{sql_path(path)}')"
        try:
            [(restored,)] = con.execute(
                f"insert into ops.erasure_register select * from {source} "
                "except select * from ops.erasure_register"
            ).fetchall()
            [(in_file,)] = con.execute(f"select count(*) from {source}").fetchall()
        except duckdb.Error as error:  # loading on without it could bring an erased person back
            raise ErasureError(
                f"{path}: the erasure register's copy cannot be read ({type(error).__name__}); restore "
                "it from the backup, or, if the warehouse's own register is complete, delete the file: "
                "the next load writes it again from the warehouse"
            ) from None
    [(in_table,)] = con.execute("select count(*) from ops.erasure_register").fetchall()
    if in_table > in_file:
        save_register(con, layout)
    return restored


def erased_hashes(con: duckdb.DuckDBPyConnection, source_system: str) -> set[str]:
    con.execute(ERASURE_REGISTER_DDL)
    return {
        row[0]
        for row in con.execute(
            "select record_hash from ops.erasure_register where source_system = ?", [source_system]
        ).fetchall()
    }


@dataclass
class Suppressed:
    """Records of erased people withheld from a batch: how many per file, and their ids (to redact the
    delivered copies once they are archived)."""

    per_file: dict[str, int] = field(default_factory=dict)  # lines withheld (not loaded)
    ids: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)  # the files holding them (withheld or blanked)


def suppress(tables: BatchTables, spec: FeedSpec, salt: str | None) -> Suppressed:
    """Delete erased records from the batch's `landing_rows`."""
    feed = BY_TABLE.get(spec.table)
    if feed is None:
        return Suppressed()
    con = tables.con
    erased = erased_hashes(con, feed.source_system)
    if not erased:
        return Suppressed()
    if salt is None:
        raise ErasureError(
            f"{spec.table}: records of this feed were erased; "
            "loading it needs INSIGHT_HUB_SALT to recognise them"
        )
    ids = [
        r[0]
        for r in con.execute(
            f'select distinct "{feed.key}" from landing_rows where "{feed.key}" is not null'
        ).fetchall()
    ]
    hit = sorted(i for i in ids if record_hash(salt, feed.source_system, i) in erased)
    if not hit:
        return Suppressed()
    counts = dict(
        con.execute(
            f'select _source_file, count(*) from landing_rows where "{feed.key}" in '
            "(select unnest(?::varchar[])) group by 1",
            [hit],
        ).fetchall()
    )
    if feed.blank:  # the line loads, without its link to the person
        emptied = ", ".join(f'"{c}" = null' for c in feed.blank)
        con.execute(
            f'update landing_rows set {emptied} where "{feed.key}" in (select unnest(?::varchar[]))', [hit]
        )
        return Suppressed({}, set(hit), set(counts))
    con.execute(f'delete from landing_rows where "{feed.key}" in (select unnest(?::varchar[]))', [hit])
    return Suppressed(counts, set(hit), set(counts))


def redact_delivered(con: duckdb.DuckDBPyConnection, spec: FeedSpec, paths: list[Path], ids: set[str]) -> int:
    """Rewrite copies just archived or quarantined without the erased records withheld from them (a
    re-delivery must not bring the person back to disk); returns the copies rewritten."""
    feed = BY_TABLE[spec.table]
    done = [r for path in paths if (r := _redact(path, feed, ids)) is not None]
    con.execute("begin transaction")
    try:
        record_redactions(con, done, "erasure", None, counted=False)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        discard(done)
        raise
    apply(done)
    return len(done)


@dataclass(frozen=True)
class Redaction:
    """One delivered copy rewritten without some lines."""

    path: Path
    rewritten: Path  # the rewritten copy, beside the delivered one until `apply` swaps them
    table: str
    feed_path: str
    file_name: str
    old_sha256: str
    new_sha256: str
    new_bytes: int
    lines_removed: tuple[int, ...]  # physical line numbers (1 = first line) in the copy as it was
    lines_blanked: tuple[int, ...] = ()  # lines kept with the feed's `blank` columns emptied


@dataclass(frozen=True)
class Sweep:
    """Refused lines to remove by what they hold (erasure's): a refused row, or a row of a file refused
    whole, never reached a table, so no resolved record names it; a line whose record was not loaded
    (`loaded(system, record id)` is False: its id is in no raw table) and that holds one of the
    person's own contact values (`values`: emails, phone numbers, NHS numbers no other record shares,
    lower case) is theirs."""

    values: frozenset[str]
    loaded: Callable[[str, str | None], bool]

    def holds(self, data: bytes) -> bool:
        """Whether `data` holds one of the values, as written or with the spacing people write inside a
        phone number left out ("07700 900123" is "07700900123"); ASCII letters compared in lower case.
        Bytes, not text: a whole copy is asked at once (a file holds a value if one of its lines does),
        so a county's copies are read in seconds and only the few that hold one are read line by line."""
        if not self.values:
            return False
        lowered = data.lower()
        compact = lowered.replace(_NBSP, b"").translate(None, _SPACING_BYTES)
        return any(v in lowered or v in compact for v in (v.encode() for v in self.values))

    def claims(self, feed: PersonFeed, key: str | None, line: bytes) -> bool:
        if not self.values or feed.blank or not self.holds(line):
            return False
        return not self.loaded(feed.source_system, key)


@dataclass(frozen=True)
class HeldLine:
    """A delivered line erasure removes (or, in a feed whose lines are kept, blanks): subject access
    lists exactly these, found by the same scan (`held_lines`)."""

    path: Path
    feed: PersonFeed
    number: int  # physical line number (1 = first line)
    key: str | None  # the record id the line carries (None: it cannot be parsed)
    loaded: bool  # the record is in the warehouse; False: a refused line, or a record no longer held
    blanked: bool  # kept with the feed's `blank` columns emptied, rather than removed
    text: str
    header: str | None  # a CSV copy's header line, to read the line by


def redact_copies(
    layout: Layout,
    records: dict[str, set[str]],
    dated_before: dict[str, date] | None = None,
    sweep: Sweep | None = None,
) -> list[Redaction]:
    """Write, beside every delivered copy of the person feeds holding `records` (system -> ids), a
    copy without their lines; `apply` swaps them in once the register agrees, `discard` drops them.

    `dated_before` (system -> day, retention's) also empties the copies of a daily feed dated before
    the day: their records are all older, and a copy refused whole never reached a table where its
    records could be found by id. `sweep` (erasure's) also removes the person's refused lines."""
    return [_rewrite(found) for found in _scan(layout, records, dated_before or {}, sweep)]


def held_lines(layout: Layout, records: dict[str, set[str]], sweep: Sweep) -> list[HeldLine]:
    """The delivered lines `redact_copies(layout, records, sweep=sweep)` would remove or blank, unchanged
    on disk: what subject access returns of the delivered copies (the same scan: they cannot disagree)."""
    held = []
    for found in _scan(layout, records, {}, sweep):
        header = _text(found.lines[0].decode("utf-8-sig", errors="replace")) if found.has_header else None
        for n in sorted({*found.removed, *found.blanked}):
            key = found.keys[n]
            held.append(
                HeldLine(
                    found.path,
                    found.feed,
                    n,
                    key,
                    sweep.loaded(found.feed.source_system, key),
                    n in found.blanked,
                    _text(found.lines[n - 1].decode("utf-8", errors="replace")),
                    header,
                )
            )
    return held


def lines_to_rewrite(
    layout: Layout, records: dict[str, set[str]], dated_before: dict[str, date] | None = None
) -> list[tuple[Path, set[int]]]:
    """The copies `redact_copies(layout, records, dated_before)` would rewrite and the lines it would
    remove or blank in each, nothing written (retention's preview)."""
    return [(f.path, {*f.removed, *f.blanked}) for f in _scan(layout, records, dated_before or {}, None)]


@dataclass(frozen=True)
class _Found:
    """One copy's lines to remove and to blank (physical line numbers), and each one's record id."""

    path: Path
    feed: PersonFeed
    data: bytes
    lines: list[bytes]
    has_header: bool  # a CSV copy: its first line is the header
    removed: tuple[int, ...]
    blanked: tuple[int, ...]
    keys: dict[int, str | None]
    codec: str | None  # the UTF-16 the copy is written in (its `lines` are UTF-8); None: as delivered


def _scan(
    layout: Layout, records: dict[str, set[str]], dated_before: dict[str, date], sweep: Sweep | None
) -> Iterable[_Found]:
    """Every copy with lines to remove or blank: the one rule of erasure, retention and subject access."""
    for feed, path in _copies(layout):
        named = feed.spec.file_date(path.name)
        # A copy no feed's name fits is searched for the ids of every feed sharing its folder.
        sharing = [feed] if named else [f for f in PERSON_FEEDS if f.spec.feed_path == feed.spec.feed_path]
        ids = set().union(*(records.get(f.source_system, set()) for f in sharing))
        before = dated_before.get(feed.source_system)
        if not ids and before is None and sweep is None:
            continue
        everything = before is not None and named is not None and named < before
        if (found := _claimed(path, feed, ids, everything, sweep)) is not None:
            yield found


def _copies(layout: Layout) -> Iterable[tuple[PersonFeed, Path]]:
    """Every delivered copy in the person feeds' folders of archive/ and quarantine/ (superseded versions
    included), whatever its name: a misnamed file is quarantined there too. A copy belongs to the feed
    whose file name it fits, else to the first feed of its folder. Rejection reports and rewrites
    waiting to be swapped in (hidden) are not delivered copies."""
    folders: dict[str, list[PersonFeed]] = {}
    for feed in PERSON_FEEDS:
        folders.setdefault(feed.spec.feed_path, []).append(feed)
    for area in (layout.archive, layout.quarantine):
        for feed_path, feeds in folders.items():
            for path in sorted((area / feed_path).rglob("*")):
                if not path.is_file() or path.is_symlink() or path.name.startswith("."):
                    continue
                if path.name.endswith(REPORT_SUFFIX):
                    continue
                yield next((f for f in feeds if f.spec.file_date(path.name)), feeds[0]), path


def _as_text(data: bytes) -> tuple[bytes, str | None] | None:
    """A copy's bytes as UTF-8 to search and split into lines, and the UTF-16 codec to write them back in
    (None: kept as delivered, UTF-8 or an ASCII-compatible code page such as Windows-1252, where the
    values searched for are the same bytes). UTF-16 is told by its byte order mark or, without one, by
    NULs interleaved with ASCII. None when the copy is not text (NULs otherwise): its lines cannot be
    delimited."""
    if b"\x00" not in data:
        return data, None
    codec = next((c for bom, c in _UTF16_BOMS if data.startswith(bom)), None)
    if codec is None:
        even, odd = data[0::2].count(0), data[1::2].count(0)
        codec = "utf-16-le" if odd > 2 * even else "utf-16-be" if even > 2 * odd else None
    if codec is None:
        return None
    try:
        return data.decode(codec).encode("utf-8"), codec
    except UnicodeDecodeError:
        return None


def _text(line: str) -> str:
    return line.rstrip("\r\n")


def _line_key(text: str, feed: PersonFeed, column: int | None) -> str | None:
    """The record id of one line, or None when the line cannot be parsed."""
    try:
        if feed.spec.format == "jsonl":
            value = json.loads(text).get(feed.key)
            return None if value is None else str(value)
        if column is None:
            return None
        row = next(csv.reader([text]))
        return row[column] if column < len(row) else None
    except (ValueError, StopIteration, AttributeError):
        return None


def _claimed(
    path: Path, feed: PersonFeed, ids: set[str], everything: bool = False, sweep: Sweep | None = None
) -> _Found | None:
    """The lines of one copy holding the records `ids` (by the id they carry, or anywhere in a line that
    cannot be parsed), or claimed by the sweep; every line when `everything`. A copy that holds none of
    the ids and none of the sweep's values (asked of the whole file at once) is not read line by line:
    a line holds an id only as written, so a copy without it has no such line."""
    data = path.read_bytes()
    decoded = _as_text(data)
    text_bytes, codec = decoded if decoded is not None else (data, None)
    sweeping = sweep is not None and not feed.blank
    holds = any(i.encode() in text_bytes for i in ids) or (sweeping and sweep.holds(text_bytes))
    if not everything and not holds:
        return None
    if decoded is None:  # not text: the copy cannot be split into lines, so all of it goes
        return _Found(path, feed, data, [data], False, (1,), (), {1: None}, None)
    lines = text_bytes.splitlines(keepends=True)
    column = None
    first = 0
    if feed.spec.format == "csv" and lines:
        header = next(csv.reader([lines[0].decode("utf-8-sig", errors="replace")]), [])
        column = header.index(feed.key) if feed.key in header else None
        first = 1
    removed, blanked, keys = [], [], {}
    for n, line in enumerate(lines[first:], start=first + 1):
        text = _text(line.decode("utf-8", errors="replace"))
        key = _line_key(text, feed, column)
        if feed.blank and not everything and key in ids:
            blanked.append(n)
        elif (
            everything
            or key in ids
            or (key is None and any(i in text for i in ids))
            or (sweeping and sweep.claims(feed, key, line))
        ):
            removed.append(n)
        else:
            continue
        keys[n] = key
    if not removed and not blanked:
        return None
    return _Found(path, feed, data, lines, first == 1, tuple(removed), tuple(blanked), keys, codec)


def _redact(path: Path, feed: PersonFeed, ids: set[str]) -> Redaction | None:
    found = _claimed(path, feed, ids)
    return None if found is None else _rewrite(found)


def _rewrite(found: _Found) -> Redaction:
    """Write the copy without its removed lines (and its blanked lines emptied) beside it."""
    path, feed, lines = found.path, found.feed, found.lines
    drop, empty = set(found.removed), set(found.blanked)
    header = next(csv.reader([lines[0].decode("utf-8-sig", errors="replace")]), []) if empty else []
    emptied = [header.index(c) for c in feed.blank if c in header]
    kept = b"".join(
        _blanked(line, emptied) if n in empty else line
        for n, line in enumerate(lines, start=1)
        if n not in drop
    )
    if found.codec is not None:  # written back in the copy's own encoding (its byte order mark kept)
        kept = kept.decode("utf-8").encode(found.codec)
    stat = path.stat()
    temporary = path.with_name(f".{path.name}{REWRITTEN_SUFFIX}")
    temporary.write_bytes(kept)
    os.chmod(temporary, stat.st_mode & 0o7777)
    os.utime(temporary, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return Redaction(
        path,
        temporary,
        feed.spec.table,
        feed.spec.feed_path,
        path.name,
        hashlib.sha256(found.data).hexdigest(),
        hashlib.sha256(kept).hexdigest(),
        len(kept),
        found.removed,
        found.blanked,
    )


def _blanked(line: bytes, columns: list[int]) -> bytes:
    """A CSV line with some values emptied: written as the feeds write values (quoted; empty = null)."""
    text = line.decode("utf-8", errors="surrogateescape")
    body = text.rstrip("\r\n")
    row = next(csv.reader([body]))
    for c in columns:
        if c < len(row):
            row[c] = ""
    quoted = ",".join('"' + v.replace('"', '""') + '"' if v else "" for v in row)
    return (quoted + text[len(body) :]).encode("utf-8", errors="surrogateescape")


def record_redactions(
    con: duckdb.DuckDBPyConnection,
    redactions: list[Redaction],
    reason: str,
    request_hash: str | None,
    counted: bool = True,
) -> None:
    """Bring the register and the rows that name a copy by checksum in line with the rewritten copies.

    The register keeps the delivered checksum and why it changed (register.record_redactions); the
    raw rows and refused rows of a rewritten version are re-labelled with the new checksum, and the
    refused rows of removed lines are deleted (their records are gone).
    """
    register.create(con)
    for r in redactions:
        table = r.table
        refused = con.execute(
            "select count(distinct row_number) from ops.quarantined_rows "
            "where source_file = ? and file_sha256 = ? "
            "and row_number in (select unnest(?::integer[]))",
            [r.file_name, r.old_sha256, list(r.lines_removed)],
        ).fetchone()[0]
        con.execute(
            "delete from ops.quarantined_rows where source_file = ? and file_sha256 = ? "
            "and row_number in (select unnest(?::integer[]))",
            [r.file_name, r.old_sha256, list(r.lines_removed)],
        )
        if r.lines_blanked:  # a refused blanked line's finding may echo the emptied value
            con.execute(
                "update ops.quarantined_rows set value = null where source_file = ? and file_sha256 = ? "
                "and row_number in (select unnest(?::integer[])) "
                "and column_name in (select unnest(?::varchar[]))",
                [r.file_name, r.old_sha256, list(r.lines_blanked), list(BY_TABLE[table].blank)],
            )
        con.execute(
            "update ops.quarantined_rows set file_sha256 = ? where source_file = ? and file_sha256 = ?",
            [r.new_sha256, r.file_name, r.old_sha256],
        )
        if con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = ?", [table]
        ).fetchone()[0]:
            con.execute(
                f"update raw.{table} set _file_sha256 = ? where _source_file = ? and _file_sha256 = ?",
                [r.new_sha256, r.file_name, r.old_sha256],
            )
        register.record_redaction(
            con,
            r.feed_path,
            r.file_name,
            r.old_sha256,
            r.new_sha256,
            r.new_bytes,
            len(r.lines_removed),
            refused,
            reason,
            request_hash,
            counted,
        )


def apply(redactions: list[Redaction]) -> None:
    """Put the rewritten copies in place of the delivered ones (a rename each: atomic)."""
    for r in redactions:
        os.replace(r.rewritten, r.path)


def discard(redactions: list[Redaction]) -> None:
    """Drop rewritten copies not applied (the removal failed before its commit)."""
    for r in redactions:
        r.rewritten.unlink(missing_ok=True)


def finish_interrupted(
    con: duckdb.DuckDBPyConnection, layout: Layout, feed_paths: Iterable[str] | None = None
) -> tuple[int, int]:
    """Complete or roll back the swaps a crash interrupted (between a removal's commit and `apply`).

    A hidden `.<name>.redacting` copy beside a delivered one is the rewrite of that copy. If the
    register recorded the rewrite (ops.file_redactions: the delivered copy's checksum to this
    copy's) the transaction committed: the swap is completed, otherwise the removal rolled back and
    the copy is dropped. Run before a feed is ingested (the delivered copy must match the register,
    or the rebuild would judge it again) and before every removal (of the person feeds' folders
    unless `feed_paths` are named). Returns (swapped, dropped)."""
    swapped = dropped = 0
    folders = sorted(set(feed_paths) if feed_paths is not None else {f.spec.feed_path for f in PERSON_FEEDS})
    for area, feed_path in ((area, f) for area in (layout.archive, layout.quarantine) for f in folders):
        for hidden in sorted((area / feed_path).rglob(f".*{REWRITTEN_SUFFIX}")):
            delivered = hidden.with_name(hidden.name[1 : -len(REWRITTEN_SUFFIX)])
            committed = delivered.is_file() and register.redaction_recorded(
                con, feed_path, delivered.name, _sha256(delivered), _sha256(hidden)
            )
            if committed:
                os.replace(hidden, delivered)
                swapped += 1
            else:
                hidden.unlink()
                dropped += 1
    return swapped, dropped


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
