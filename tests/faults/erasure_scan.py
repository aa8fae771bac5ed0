"""Helpers of the erasure and retention tests: the personal values of chosen source records that no
other record shares, and a scan of every file under a home for them.

The scan reads every file under INSIGHT_HUB_HOME (the simulator's truth aside: the outside world's
record, never read by the platform): its bytes as UTF-8, Windows-1252 and UTF-16 (either order),
case-insensitive, and the values of every DuckDB, Parquet and SQLite file (their storage compresses
text, so bytes alone could miss a value). Findings count identifiers per file, never show them.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from pathlib import Path

import duckdb
from home_scan import duckdb_values, sqlite_values

AN_HOUR = 3600 * 10**9
ENCODINGS = ("utf-8", "cp1252", "utf-16-le", "utf-16-be")

# The personal values of each person feed: (raw table, record id column, SQL of the values).
PERSON_VALUES = {
    "crm": (
        "csc_crm_contacts",
        "contact_id",
        "customer_first_name || ' ' || customer_last_name, customer_email, customer_phone, address_line1, "
        "postcode, strftime(customer_dob, '%Y-%m-%d')",
    ),
    "eforms": (
        "web_eforms",
        "submission_id",
        "first_name || ' ' || last_name, email, postcode, strftime(dob, '%Y-%m-%d'), payload::varchar",
    ),
    **{
        system: (
            f"person_index_{system}",
            "source_person_id",
            "first_name || ' ' || last_name, email, phone, address_line1, postcode, nhs_number, "
            "strftime(dob, '%Y-%m-%d')",
        )
        for system in ("adult_social_care", "blue_badge", "libraries", "school_admissions")
    },
}


def age(landing: Path) -> None:
    """Files delivered an hour ago: the landing sensor's quiet time is over."""
    for path in landing.rglob("*"):
        if path.is_file():
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns - AN_HOUR, stat.st_mtime_ns - AN_HOUR))


def truth(home: Path) -> dict[str, set[tuple[str, str]]]:
    people: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with (home / "simulator_truth" / "persons.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            people[row["person_id"]].add((row["source_system"], row["source_record_id"]))
    return people


def choose(con: duckdb.DuckDBPyConnection, people: dict[str, set[tuple[str, str]]]) -> set[tuple[str, str]]:
    """A resident in CRM and two more systems, resolved as one customer, with calls (the first such)."""
    for _, records in sorted(people.items()):
        systems = {s for s, _ in records}
        if len(systems) < 3 or "crm" not in systems:
            continue
        ids = [f"{s}:{r}" for s, r in records]
        keys, n = con.execute(
            "select count(distinct customer_key), count(*) from restricted.customer_xref "
            "where source_system || ':' || source_record_id in (select unnest(?::varchar[]))",
            [ids],
        ).fetchone()
        calls = con.execute(
            "select count(*) from raw.csc_crm_contacts where contact_id in (select unnest(?::varchar[])) "
            "and call_id in (select call_id from raw.csc_telephony_cdr)",
            [[r for s, r in records if s == "crm"]],
        ).fetchone()[0]
        if keys == 1 and n == len(records) and calls:
            return records
    raise AssertionError("the world has no resident in three systems with calls, resolved as one")


def values_of(con: duckdb.DuckDBPyConnection, system: str, ids: list[str], mine: bool) -> set[str]:
    table, key, columns = PERSON_VALUES[system]
    where = "in" if mine else "not in"
    rows = con.execute(
        f"select {columns} from raw.{table} where {key} {where} (select unnest(?::varchar[]))", [ids]
    ).fetchall()
    return {str(v).strip().lower() for row in rows for v in row if v is not None and str(v).strip()}


def identifiers(con: duckdb.DuckDBPyConnection, records: set[tuple[str, str]], calls: set[str]) -> set[str]:
    """The identifiers of the records and calls that no other record or call holds."""
    mine: set[str] = set()
    others: set[str] = set()
    for system in PERSON_VALUES:
        ids = [r for s, r in records if s == system]
        mine |= values_of(con, system, ids, mine=True)
        others |= values_of(con, system, ids, mine=False)
    numbers = con.execute(
        "select caller_number, call_id in (select unnest(?::varchar[])) from raw.csc_telephony_cdr "
        "where caller_number is not null",
        [sorted(calls)],
    ).fetchall()
    mine |= {number.lower() for number, theirs in numbers if theirs}
    others |= {number.lower() for number, theirs in numbers if not theirs}
    # Shared means held by another record whole or within a longer value ("38 vicarage road" is in
    # "138 vicarage road"; an e-form's answers may quote an address).
    shared = "\n".join(others)
    unique = {v for v in mine if len(v) >= 6 and not _recent_date(v) and v not in shared}
    # Dates of birth are compared as ISO dates and looked for in every form the files use.
    return unique | {f"{v[8:10]}/{v[5:7]}/{v[:4]}" for v in unique if re.fullmatch(r"\d{4}-\d\d-\d\d", v)}


def _recent_date(value: str) -> bool:
    """A date of birth from 2010 on cannot be told from the calendar a warehouse rightly publishes."""
    return bool(re.fullmatch(r"20[1-9]\d-\d\d-\d\d|\d\d/\d\d/20[1-9]\d", value))


# A phone number as its last ten digits: "07700 900123", "+447700900123" and "0044 7700 900123" agree.
DIGITS = "right(regexp_replace({}, '[^0-9]', '', 'g'), 10)"


def calls_of(con: duckdb.DuckDBPyConnection, records: set[tuple[str, str]]) -> set[str]:
    """The calls the records' CRM phone contacts name, and the calls from a phone number of the
    records or their named calls that no other record holds and no call named by another contact
    came from (written independently of identity/subjects.py)."""
    crm = [r for s, r in records if s == "crm"]
    phone_columns = [
        ("crm", "csc_crm_contacts", "contact_id", "customer_phone"),
        *(
            (s, PERSON_VALUES[s][0], "source_person_id", "phone")
            for s in PERSON_VALUES
            if s not in ("crm", "eforms")
        ),
    ]
    phones = " union all ".join(
        f"select {DIGITS.format(column)} as number, {key} in (select unnest(?::varchar[])) as theirs "
        f"from raw.{table} where {column} is not null"
        for _, table, key, column in phone_columns
    )
    ids = [[r for s, r in records if s == system] for system, *_ in phone_columns]
    # A number a call named by someone else's contact came from is shared (a relative calling about them).
    phones += (
        f" union all select {DIGITS.format('c.caller_number')}, "
        "k.contact_id in (select unnest(?::varchar[])) from raw.csc_telephony_cdr c "
        "join raw.csc_crm_contacts k on k.call_id = c.call_id"
    )
    ids.append(crm)
    named = {
        row[0]
        for row in con.execute(
            "select call_id from raw.csc_crm_contacts where call_id is not null "
            "and contact_id in (select unnest(?::varchar[]))",
            [crm],
        ).fetchall()
    }
    own = con.execute(
        f"select number from ({phones}) where length(number) = 10 group by number having bool_and(theirs)",
        ids,
    ).fetchall()
    by_number = con.execute(
        f"select call_id from raw.csc_telephony_cdr where {DIGITS.format('caller_number')} in "
        "(select unnest(?::varchar[]))",
        [[n for (n,) in own]],
    ).fetchall()
    return named | {row[0] for row in by_number}


def scan(home: Path, values: set[str]) -> dict[str, set[str]]:
    """Files under the home (truth aside) holding any of the values: bytes in every encoding, and the
    values of DuckDB, Parquet and SQLite files. Findings name the kind of place, never the value."""
    encoded = {(v.encode(e), v) for v in values for e in ENCODINGS if v.isascii() or e != "cp1252" or _cp(v)}
    patterns = sorted((p.lower(), v) for p, v in encoded)
    found: dict[str, set[str]] = {}
    for path in home.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.relative_to(home).parts[0] == "simulator_truth":
            continue
        hits = _bytes_hits(path.read_bytes().lower(), patterns)
        table_values: list = []
        if path.suffix == ".duckdb":
            table_values = duckdb_values(path)
        elif path.suffix == ".parquet":
            table_values = [v for row in duckdb.sql(f"from read_parquet('{path}')").fetchall() for v in row]
        elif path.suffix == ".db":
            table_values = sqlite_values(path)
        text = "\n".join(str(v) for v in table_values).lower()
        hits |= {v for v in values if v in text}
        if hits:
            found[path.relative_to(home).as_posix()] = {f"{len(hits)} identifiers"}
    return found


def _bytes_hits(data: bytes, patterns: list[tuple[bytes, str]]) -> set[str]:
    """The values one of whose patterns `data` holds. Where a pattern occurs, each of its halves (its
    even and its odd bytes) occurs among the data's even or odd bytes: a UTF-16 pattern (it has NULs)
    is looked for whole only in data with NULs where its NUL-free half is found. A shortcut that never
    skips a pattern that is there: the search costs a third of looking for each one whole."""
    hits: set[str] = set()
    has_nul = b"\x00" in data
    halves: dict[bytes, bool] = {}
    alternate: tuple[bytes, bytes] | None = None
    for pattern, value in patterns:
        if value in hits:
            continue
        if b"\x00" in pattern:
            if not has_nul:
                continue
            half = pattern[1::2] if b"\x00" in pattern[0::2] else pattern[0::2]
            if half not in halves:
                alternate = alternate or (data[0::2], data[1::2])
                halves[half] = half in alternate[0] or half in alternate[1]
            if not halves[half]:
                continue
        if pattern in data:
            hits.add(value)
    return hits


def _cp(value: str) -> bool:
    try:
        value.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
