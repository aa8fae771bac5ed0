"""A data subject: the resolved customer behind a source record, and every row the warehouse holds on them.

Subject access (`write_subject_access`, `write_delivered_lines`) and erasure (identity/erasure.py)
share this one answer to "what is held about this person", so that what a resident is shown is
exactly what erasure removes: the tables' rows found here, and the delivered copies' lines found by
erasure's own scan (ingestion/redaction.py) with the same sweep (`refused_lines_sweep`).

The person is found from one of their source records (`crm` contact_id, `eforms` submission_id,
`<system>` source_person_id of a service person index) or from their customer key, through
`restricted.customer_xref` (identity resolution): every record resolved to the same customer is
theirs. Their telephony calls are the calls their CRM phone contacts name (`call_id`); the
telephony feed carries no other link to a person.

Rows are then found in every table of the working warehouse by the columns that name a person
(`HOLDING_COLUMNS`): customer keys, (source_system, source_record_id), identity unique ids and the
sources' own record ids. Tables come from DuckDB's catalogue, so a new dbt model or restricted
table is covered without a change here; views are left out (they hold nothing: their rows are the
tables' rows). The work is DuckDB's: one scan per table against three small temporary tables.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from identity import governance, standardise
from identity.governance import GovernanceError
from identity.records import PERSON_INDEX_SYSTEMS
from ingestion import redaction
from ingestion.layout import Layout, sql_path

# Source systems of the person records (as in restricted.customer_xref and the simulator's truth).
SYSTEMS = ("crm", "eforms", *PERSON_INDEX_SYSTEMS)
TELEPHONY = "telephony"
# Staff (IBC HR, by PERNR): subject access only. Their records are SAP's, kept under the employment
# contract and legal obligations; erasure does not apply (docs/governance.md, Staff).
STAFF = "ibc_hr"
STAFF_RECORDS = ("ibc_pa0002", "PERNR")  # the personal data infotype: every employee has a record
# Where each source system's records live (table, record id column) in schema raw: the person
# feeds of the erasure machinery (a feed whose lines are kept and blanked is not a person's record).
RAW_RECORDS = {
    feed.source_system: (feed.spec.table, feed.key)
    for feed in redaction.PERSON_FEEDS
    if feed.source_system in SYSTEMS and not feed.blank
}
# The telephony calls' table and id, and the CRM contacts naming a call (`call_id`): the same owner.
TELEPHONY_RECORDS = next(
    (f.spec.table, f.key) for f in redaction.PERSON_FEEDS if f.source_system == TELEPHONY
)
CRM_CONTACTS = RAW_RECORDS["crm"][0]
# The system whose ids the care payments' client_ref holds (for adults): a payment line holds the
# person even when no person index record does any more.
CARE_CLIENTS = "adult_social_care"
# Where those payment lines live: the person feed kept and blanked (its lines are not the person's).
CARE_RECORDS = next(
    (f.spec.table, f.key) for f in redaction.PERSON_FEEDS if f.source_system == CARE_CLIENTS and f.blank
)
# Tables that record governance itself: hashes and counts, never a person's values.
GOVERNANCE_TABLES = {("ops", "governance_log"), ("ops", "erasure_register")}

# The temporary tables naming the subject (made by `resolve`).
SUBJECT_TABLES = ("subject_keys", "subject_records", "subject_calls", "subject_numbers")
# The phone number columns of the raw person tables, and the telephony feed's (compared as UK national
# numbers: the same phone is written "07700 900123" in one system and "+447700900123" in another).
PHONE_COLUMNS = ("customer_phone", "phone")
CALLER_NUMBER = "caller_number"


@dataclass(frozen=True)
class Holding:
    """One table's rows about the subject: the condition that finds them, and what names each row."""

    schema: str
    table: str
    condition: str  # SQL predicate over the table's columns
    source_system: str  # SQL expression: the source system the row belongs to
    record_id: str  # SQL expression: the row's source record id (or customer key)
    blank: tuple[str, ...] = ()  # erasure empties these columns instead of deleting the row

    def erase_statement(self) -> str:
        """What erasure runs on the table: delete the rows, or empty the columns linking them."""
        if self.blank:
            emptied = ", ".join(f'"{c}" = null' for c in self.blank)
            return f"update {self.relation} set {emptied} where {self.condition}"
        return f"delete from {self.relation} where {self.condition}"

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def relation(self) -> str:
        return f'"{self.schema}"."{self.table}"'


@dataclass(frozen=True)
class Subject:
    """Counts of what identifies the subject (the identifiers stay in temp tables, never in Python logs)."""

    customer_keys: int
    records: int
    calls: int
    systems: tuple[str, ...]


def resolve(
    con: duckdb.DuckDBPyConnection,
    system: str | None = None,
    record_id: str | None = None,
    customer_key: str | None = None,
) -> Subject:
    """Resolve the subject into temp tables subject_keys, subject_records and subject_calls.

    Give a source record (`system`, `record_id`) or a `customer_key`. Raises GovernanceError when
    nothing is held under it (the message never repeats the identifier).
    """
    if (customer_key is None) == (record_id is None):
        raise GovernanceError("give either a source record (--system and --record) or --customer-key")
    has_xref = table_exists(con, "restricted", "customer_xref")
    xref = "restricted.customer_xref" if has_xref else _EMPTY_XREF
    if record_id is not None:
        if system not in (*SYSTEMS, STAFF):
            raise GovernanceError(f"unknown source system {system!r}: one of {', '.join((*SYSTEMS, STAFF))}")
        con.execute(
            f"""create or replace temp table subject_keys as
                select distinct customer_key from {xref}
                where source_system = ? and source_record_id = ?""",
            [system, record_id],
        )
        seed = [(system, record_id)]
    else:
        con.execute(
            f"create or replace temp table subject_keys as "
            f"select distinct customer_key from {xref} where customer_key = ?",
            [customer_key],
        )
        seed = []
    con.execute(
        f"""create or replace temp table subject_records as
            select source_system, source_record_id, source_system || ':' || source_record_id as unique_id
            from (select source_system, source_record_id from {xref}
                  where customer_key in (select customer_key from subject_keys)
                  union
                  select unnest(?::varchar[]), unnest(?::varchar[]))""",
        [[s for s, _ in seed], [r for _, r in seed]],
    )
    # A record not (yet) resolved still counts if a raw table holds it.
    held = sum(
        con.execute(
            f"select count(*) from raw.{table} where {column} in "
            "(select source_record_id from subject_records where source_system = ?)",
            [source],
        ).fetchone()[0]
        for source, (table, column) in [
            *RAW_RECORDS.items(),
            (CARE_CLIENTS, CARE_RECORDS),
            (STAFF, STAFF_RECORDS),
        ]
        if table_exists(con, "raw", table)
    )
    keys = con.execute("select count(*) from subject_keys").fetchone()[0]
    if not keys and not held:
        what = "that customer key" if customer_key is not None else f"that {system} record id"
        raise GovernanceError(f"nothing is held under {what}")
    _find_calls(con)
    records, calls_n = (
        con.execute("select count(*) from subject_records").fetchone()[0],
        con.execute("select count(*) from subject_calls").fetchone()[0],
    )
    systems = tuple(
        r[0] for r in con.execute("select distinct source_system from subject_records order by 1").fetchall()
    )
    return Subject(keys, records, calls_n, systems + ((TELEPHONY,) if calls_n else ()))


def _find_calls(con: duckdb.DuckDBPyConnection) -> None:
    """The subject's telephony calls (temp table subject_calls): the calls their CRM contacts name,
    and every call from one of their own phone numbers (subject_numbers).

    Their own numbers are the phone numbers of their records and of the calls their contacts name,
    as UK national numbers (identity/standardise.py `id_phone`: "+44 7700 900123" = "07700900123"),
    that no other loaded person record holds and no call named by another person's contact came
    from: a number shared with anyone else (a family's landline) claims no call. The standardising
    rule runs on their own rows, and elsewhere only on values holding a number's last three digits
    (every way of writing a number keeps them together): a regular expression over every row of a
    county's person tables and calls would cost seconds.
    """
    standardise.register_macros(con)
    has_contacts = table_exists(con, "raw", CRM_CONTACTS)
    calls_table, call_key = TELEPHONY_RECORDS
    has_calls = table_exists(con, "raw", calls_table)
    named = (
        f"select call_id, contact_id {_records_of('crm')} as theirs from raw.{CRM_CONTACTS} "
        "where call_id is not null"
        if has_contacts
        else "select null::varchar as call_id, false as theirs where false"
    )
    con.execute(f"create or replace temp table subject_named_calls as {named}")
    # (relation, number column, SQL: the row is the subject's, SQL: it is someone else's) of every
    # value that is a phone number (plain semi-joins: DuckDB then filters before it standardises).
    phones = [
        (f"raw.{table}", f'"{column}"', f"{key} {_records_of(source)}", f"{key} not {_records_of(source)}")
        for source, (table, key) in RAW_RECORDS.items()
        if table_exists(con, "raw", table)
        for column in sorted(_columns(con, table) & set(PHONE_COLUMNS))
    ]
    if has_calls:
        phones.append(
            (
                f"(select c.*, n.theirs from raw.{calls_table} c "
                f"join subject_named_calls n on n.call_id = c.{call_key})",
                CALLER_NUMBER,
                "theirs",
                "not theirs",
            )
        )
    theirs = [
        f"select id_phone({column}::varchar) as number from {rel} where {mine}"
        for rel, column, mine, _ in phones
    ]
    con.execute(
        "create or replace temp table subject_numbers as select distinct number from ("
        + " union all ".join([*theirs, "select null::varchar as number"])
        + ") where number is not null"
    )
    others = [
        f"select o.number from {rel} t, subject_numbers o where {not_mine} and "
        + _same_number(f"t.{column}::varchar")
        for rel, column, _, not_mine in phones
    ]
    if others:
        con.execute(f"delete from subject_numbers where number in ({' union all '.join(others)})")
    by_number = (
        f" union select c.{call_key} from raw.{calls_table} c, subject_numbers o where "
        + _same_number(f"c.{CALLER_NUMBER}")
        if has_calls
        else ""
    )
    con.execute(
        "create or replace temp table subject_calls as "
        f"select distinct call_id from subject_named_calls where theirs{by_number}"
    )


def _same_number(value: str) -> str:
    """SQL: `value` is the subject number `o.number`. The standardising rule runs only where the value
    holds the number's last three digits; written as a CASE so that the optimiser cannot make the
    comparison a hash join, which would run the rule on every row."""
    return f"case when contains({value}, right(o.number, 3)) then id_phone({value}) = o.number else false end"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of raw.<table>."""
    return {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'raw' and table_name = ?",
            [table],
        ).fetchall()
    }


_EMPTY_XREF = (
    "(select null::varchar as source_system, null::varchar as source_record_id, "
    "null::varchar as customer_key where false)"
)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


_KEY_COLUMNS = ("customer_key", "previous_customer_key", "customer_key_l", "customer_key_r")
_UNIQUE_ID_COLUMNS = ("unique_id", "unique_id_l", "unique_id_r")
_IN_KEYS = "in (select customer_key from subject_keys)"
_IN_UNIQUE_IDS = "in (select unique_id from subject_records)"


def _records_of(system: str) -> str:
    return f"in (select source_record_id from subject_records where source_system = '{system}')"


def holding(schema: str, table: str, columns: list[str]) -> Holding | None:
    """How a table holds people's rows, from its column names (None if it holds none).

    The columns that name a person (HOLDING_COLUMNS, in order of preference for naming a row):
    a (source_system, source_record_id) pair; identity unique ids; the sources' record ids
    (contact_id -> crm, submission_id -> eforms, call_id -> the subject's telephony calls in a table
    of calls (a table of contacts names a contact's call: the row is the contact's),
    source_person_id -> the person index system of the table, or of its source_system column);
    customer keys.
    """
    if (schema, table) in GOVERNANCE_TABLES:
        return None
    cols = set(columns)
    conditions: list[str] = []
    named: list[tuple[str, str]] = []
    if {"source_system", "source_record_id"} <= cols:
        conditions.append(f"(source_system || ':' || source_record_id) {_IN_UNIQUE_IDS}")
        named.append(("source_system", "source_record_id"))
    for column in _UNIQUE_ID_COLUMNS:
        if column in cols:
            conditions.append(f'"{column}" {_IN_UNIQUE_IDS}')
            named.append((f"split_part(\"{column}\", ':', 1)", f"split_part(\"{column}\", ':', 2)"))
    if "contact_id" in cols:
        conditions.append(f"contact_id {_records_of('crm')}")
        named.append(("'crm'", "contact_id"))
    if "submission_id" in cols:
        conditions.append(f"submission_id {_records_of('eforms')}")
        named.append(("'eforms'", "submission_id"))
    if "source_person_id" in cols:
        system = table.removeprefix("person_index_") if table.startswith("person_index_") else None
        if system in PERSON_INDEX_SYSTEMS:
            conditions.append(f"source_person_id {_records_of(system)}")
            named.append((f"'{system}'", "source_person_id"))
        elif "source_system" in cols:
            conditions.append(f"(source_system || ':' || source_person_id) {_IN_UNIQUE_IDS}")
            named.append(("source_system", "source_person_id"))
    if "PERNR" in cols:  # a member of staff's rows in the HR extracts
        conditions.append(f'"PERNR" {_records_of(STAFF)}')
        named.append((f"'{STAFF}'", '"PERNR"'))
    if "cardholder_pernr" in cols:  # a member of staff's purchase card transactions (and their texts)
        conditions.append(f"cardholder_pernr {_records_of(STAFF)}")
        named.append((f"'{STAFF}'", "cardholder_pernr"))
    if "call_id" in cols and "contact_id" not in cols:  # a contact naming a call is the contact's row
        conditions.append("call_id in (select call_id from subject_calls)")
        named.append((f"'{TELEPHONY}'", "call_id"))
    for column in _KEY_COLUMNS:
        if column in cols:
            conditions.append(f'"{column}" {_IN_KEYS}')
            named.append(("'insight_hub'", f'"{column}"'))
    if not conditions and "client_ref" in cols:
        # A care payment for the person (an adult's client_ref is their adult social care id): the
        # council's financial record, kept; erasure empties the link (ingestion/redaction.py).
        record_id = "payment_line_id" if "payment_line_id" in cols else "client_ref"
        return Holding(
            schema,
            table,
            f"client_ref {_records_of(CARE_CLIENTS)}",
            "'care_payments'",
            record_id,
            ("client_ref",),
        )
    if not conditions:
        return None
    source_system, record_id = named[0]
    return Holding(schema, table, " or ".join(f"({c})" for c in conditions), source_system, record_id)


def holdings(con: duckdb.DuckDBPyConnection) -> list[Holding]:
    """Every base table of the working warehouse that holds people's rows (temp tables aside)."""
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in con.execute(
        """select c.schema_name, c.table_name, c.column_name
           from duckdb_columns() c join duckdb_tables() t
             on t.database_name = c.database_name and t.schema_name = c.schema_name
            and t.table_name = c.table_name
           where c.database_name = current_database() and not t.temporary
           order by c.schema_name, c.table_name, c.column_index"""
    ).fetchall():
        columns.setdefault((schema, table), []).append(column)
    found = (holding(schema, table, cols) for (schema, table), cols in columns.items())
    return [h for h in found if h is not None]


def write_subject_access(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, int]:
    """Write every row held about the resolved subject: `<schema>.<table>.json` and `.csv` per table.

    Each row leads with `_source_system` and `_record_id`: the source system and record id it
    belongs to (`insight_hub` and the customer key for rows the warehouse derived per customer).
    The folder and its files are readable by the owner only. Returns rows written per table.
    """
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out_dir, 0o700)
    counts: dict[str, int] = {}
    for h in holdings(con):
        query = (
            f"select {h.source_system} as _source_system, {h.record_id} as _record_id, * "
            f"from {h.relation} where {h.condition}"
        )
        con.execute(f"create or replace temp table subject_rows as {query}")
        n = con.execute("select count(*) from subject_rows").fetchone()[0]
        if not n:
            continue
        counts[h.name] = n
        for fmt, options in (("json", "format json, array true"), ("csv", "format csv, header true")):
            path = out_dir / f"{h.name}.{fmt}"
            con.execute(f"copy (from subject_rows order by all) to '{sql_path(path)}' ({options})")
            os.chmod(path, 0o600)
    con.execute("drop table if exists subject_rows")
    return counts


# Contact values distinctive enough to claim a refused line for the person (names, dates of birth and
# postcodes are shared by too many residents): the columns of the raw person tables holding them.
DISTINCTIVE_COLUMNS = ("customer_email", "email", *PHONE_COLUMNS, "nhs_number")
SHORTEST_DISTINCTIVE = 8  # shorter values (a withheld caller's bare "+44") claim nothing


def refused_lines_sweep(con: duckdb.DuckDBPyConnection) -> redaction.Sweep:
    """What finds the subject's refused lines in the delivered copies (redaction.Sweep): their own
    contact values that no other loaded record holds, and whether a line's record is loaded (a
    loaded line is found by its id, or is someone else's). Both are DuckDB's work: one pass over the
    person tables for the values, and a look-up per line that holds one (few) for the records."""
    tables = {
        source: (table, key)
        for source, (table, key) in {**RAW_RECORDS, TELEPHONY: TELEPHONY_RECORDS}.items()
        if table_exists(con, "raw", table)
    }
    values = [
        f"select coalesce({key} {_records_of(source)}, false) as theirs, {value} as value "
        f"from raw.{table} where length({value}) >= {SHORTEST_DISTINCTIVE}"
        for source, (table, key) in tables.items()
        for column in sorted(_columns(con, table) & set(DISTINCTIVE_COLUMNS))
        for value in [f'lower(trim("{column}"::varchar))']
    ]
    own = (
        con.execute(
            f"select value from ({' union all '.join(values)}) group by value having bool_and(theirs)"
        ).fetchall()
        if values
        else []
    )
    # Their own phone numbers (subject_numbers, by `resolve`) as a line may write them: a refused call
    # from their phone says "+447700900123" where their CRM contact said "07700 900123".
    numbers = {
        f"{prefix}{number[1:]}"
        for (number,) in con.execute("select number from subject_numbers").fetchall()
        for prefix in ("0", "+44", "0044")
    }

    def loaded(source: str, record_id: str | None) -> bool:
        if record_id is None or source not in tables:
            return False
        table, key = tables[source]
        return bool(
            con.execute(f"select count(*) from raw.{table} where {key} = ?", [record_id]).fetchone()[0]
        )

    return redaction.Sweep(frozenset({v for (v,) in own} | numbers), loaded)


def source_records(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The resolved subject's source records and calls (system -> ids): what erasure removes by id."""
    records: dict[str, set[str]] = {}
    for source, rid in con.execute("select source_system, source_record_id from subject_records").fetchall():
        records.setdefault(source, set()).add(rid)
    calls = {row[0] for row in con.execute("select call_id from subject_calls").fetchall()}
    if calls:
        records[TELEPHONY] = calls
    return records


# The delivered lines file of a subject access answer (`write_delivered_lines`).
DELIVERED_LINES = "delivered_lines"


def write_delivered_lines(con: duckdb.DuckDBPyConnection, home: Path, out_dir: Path) -> int:
    """Write the resolved subject's lines in the delivered copies (archive/ and quarantine/), refused
    lines included, as `delivered_lines.json` and `.csv`: exactly the lines erasure would remove (or
    blank), found by erasure's own scan and sweep (redaction.held_lines, refused_lines_sweep). Each
    names its feed, file and line number, the record id it carries, and whether that record is loaded
    (False: a line the warehouse refused, held only in the delivered copy). Returns the lines written."""
    lines = redaction.held_lines(Layout(home), source_records(con), refused_lines_sweep(con))
    if not lines:
        return 0
    rows = [
        {
            "_source_system": line.feed.source_system,
            "_record_id": line.key,
            "feed": line.feed.spec.table,
            "file": line.path.relative_to(home).as_posix(),
            "line": line.number,
            "record_loaded": line.loaded,
            "erasure": "blanked" if line.blanked else "removed",
            "header": line.header,
            "text": line.text,
        }
        for line in lines
    ]
    json_path, csv_path = (out_dir / f"{DELIVERED_LINES}.{fmt}" for fmt in ("json", "csv"))
    json_path.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for path in (json_path, csv_path):
        os.chmod(path, 0o600)
    return len(rows)


def request_subject(system: str | None, record_id: str | None, customer_key: str | None) -> str:
    """What a request names, as the text its keyed hash is made of (governance.subject_hash)."""
    return customer_key if customer_key is not None else f"{system}:{record_id}"


def subject_access(
    con: duckdb.DuckDBPyConnection,
    salt: str,
    out_dir: Path,
    home: Path,
    system: str | None = None,
    record_id: str | None = None,
    customer_key: str | None = None,
) -> tuple[Subject, dict[str, int]]:
    """Serve a subject access request: resolve, write everything held into `out_dir` (the warehouse's
    rows and the delivered copies' lines under the data root `home`), log it."""
    subject = resolve(con, system, record_id, customer_key)
    counts = write_subject_access(con, out_dir)
    if lines := write_delivered_lines(con, home, out_dir):
        counts[DELIVERED_LINES] = lines
    governance.record(
        con,
        "subject_access",
        governance.subject_hash(salt, request_subject(system, record_id, customer_key)),
        counts,
        {
            "asked_by": "customer_key" if customer_key is not None else "source_record",
            "source_system": system,
            "records": subject.records,
            "calls": subject.calls,
            "customers": subject.customer_keys,
            "systems": list(subject.systems),
            "tables": len(counts),
        },
    )
    return subject, counts
