"""The personal data the gate protects: direct identifiers by their shape, and the personal values
the warehouse actually holds, compared with every published text value through keyed hashes.

Everything runs in DuckDB over the distinct values of each text column of a published table. What
returns to Python is, per column and kind of identifier, how many distinct values were found:
never a value, never a hash (docs/publication.md, "Personal data").

Known values come from every personal column of the raw feeds (FeedSpec `personal`) and every
table of schema `restricted` (identity's golden records; the restricted dbt views select from the
same raw columns), recognised by column name (KIND_OF_COLUMN). Each value is normalised (case,
accents, whitespace and punctuation dropped; phones to national digits; dates of birth to ISO) and
compared whole-value with the published values normalised the same way. The comparison is on keyed
hashes: a 64-bit keyed hash finds candidates, HMAC-SHA256 with a key derived from INSIGHT_HUB_SALT
confirms them, both computed in DuckDB (the known values' HMACs once, when they are loaded, so that each
table's scan hashes only its own values); the normalised forms live only in a temporary table of the
scanning connection.

What counts as a known value, so that legitimate published values do not collide: full names
(first + last in either order, with or without the middle name; never a single first name or
surname, which are also words, places and firms: "Hall", "Libraries"), address lines holding a
house number, full postcodes, emails, phones of 10-11 digits, dates of birth, NI numbers (9
characters), NHS numbers (10 digits) and UPRNs (6 digits or more).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

from ingestion.contract import FeedSpec

# Direct identifiers by shape (RE2, as DuckDB runs it), searched anywhere in a value, any case.
SHAPES = {
    "email address": r"(?i)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}",
    # National (01865 123456, (01865) 123456, 07700 900123) or international (+44 7700 900123,
    # +44 (0)1865 123456, 0044 ...), spaces, hyphens and brackets anywhere between the digits.
    "UK phone number": r"(?:(?:\+|\b00)44[\s-]?(?:\(0\)[\s-]?)?|\(?\b0)[1-9](?:[\s)-]{0,2}\d){9}\b",
    "NI number": r"(?i)\b[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b",
    # As NHS numbers are written (3-3-4); ten bare digits are matched against the known ones only
    # (SAP document and vendor numbers are ten digits too).
    "NHS number": r"\b\d{3}[\s-]\d{3}[\s-]\d{4}\b",
    "full postcode": r"(?i)\b[a-z]{1,2}\d[a-z\d]?\s*\d[abd-hjlnp-uw-z]{2}\b",
    # A whole value that is a date as people write one (14/03/1987, 14-3-1987, 1987-03-14,
    # 14 March 1987, 14th Mar 1987): a date of birth cannot be told from another date by its shape,
    # and published dates belong in DATE columns. A date inside longer text is not a finding.
    "date written as text": r"(?i)^\s*(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}"
    r"|(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(?:19|20)\d{2})\s*$",
}
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%d %b %Y"]

# Personal columns by name (raw feeds and schema restricted) and the kind of value they hold.
FIRST_NAME = {"first_name", "customer_first_name", "forename", "vorna"}
MIDDLE_NAME = {"middle_name"}
LAST_NAME = {"last_name", "customer_last_name", "surname", "nachn"}
KIND_OF_COLUMN = {
    "full_name": "full name",
    "owner": "full name",
    "address_line1": "address line",
    "address_line2": "address line",
    "postcode": "postcode",
    "pstlz": "postcode",
    "email": "email address",
    "customer_email": "email address",
    "phone": "phone number",
    "customer_phone": "phone number",
    "caller_number": "phone number",
    "dob": "date of birth",
    "customer_dob": "date of birth",
    "date_of_birth": "date of birth",
    "birth_date": "date of birth",
    "gbdat": "date of birth",
    "ni_number": "NI number",
    "perid": "NI number",
    "nhs_number": "NHS number",
    "uprn": "UPRN",
}
# Which normalised form a kind is compared in, and what a known value must look like to count.
FORM_OF_KIND = {"phone number": "phone", "date of birth": "date"}
KNOWN_VALUE_RULE = {
    "full name": "norm <> '' and contains(trim(v), ' ')",
    "address line": "regexp_matches(norm, '[a-z]') and regexp_matches(norm, '[0-9]')",
    "postcode": "regexp_full_match(norm, '[a-z]{1,2}[0-9][a-z0-9]?[0-9][a-z]{2}')",
    "email address": "contains(v, '@')",
    "phone number": "length(norm) between 10 and 11",
    "date of birth": "norm is not null",
    "NI number": "length(norm) = 9",
    "NHS number": "regexp_full_match(norm, '[0-9]{10}')",
    "UPRN": "regexp_full_match(norm, '[0-9]{6,12}')",
}


def scan_key(salt: str) -> bytes:
    """The scan's HMAC key, derived from the pseudonymisation salt (never the salt itself)."""
    return hmac.new(salt.encode(), b"insight-hub personal-data scan", hashlib.sha256).digest()


def _text(v: str) -> str:
    """Lower case, accents, spaces and punctuation dropped: `O'Brien, Mary` -> `obrienmary`."""
    return f"regexp_replace(lower(strip_accents({v})), '[^a-z0-9]+', '', 'g')"


def _phone(v: str) -> str:
    """National digits: `+44 (0)1865 123456` and `01865-123456` -> `01865123456`."""
    return f"regexp_replace(regexp_replace({v}, '[^0-9]+', '', 'g'), '^(?:0044|44)0?', '0')"


def _date(v: str) -> str:
    """ISO date of a written date (ordinal suffixes dropped), NULL when it is not one."""
    formats = ", ".join(f"'{f}'" for f in DATE_FORMATS)
    cleaned = f"regexp_replace(trim({v}), '(\\d)(?:st|nd|rd|th)\\b', '\\1', 'gi')"
    return f"strftime(try_strptime({cleaned}, [{formats}]), '%Y-%m-%d')"


def _keyed(form_and_norm: str) -> str:
    """The 64-bit keyed hash that finds candidates ($hash_key: hex of the scan key)."""
    return f"hash($hash_key || {form_and_norm})"


def _hmac(form_and_norm: str) -> str:
    """HMAC-SHA256 with the scan key ($ipad, $opad: the key xor-ed with the HMAC pads, in hex)."""
    return f"sha256(unhex($opad) || unhex(sha256(unhex($ipad) || encode({form_and_norm}))))"


def _parameters(key: bytes) -> dict[str, str]:
    block = key.ljust(64, b"\0")
    return {
        "hash_key": key.hex(),
        "ipad": bytes(b ^ 0x36 for b in block).hex(),
        "opad": bytes(b ^ 0x5C for b in block).hex(),
    }


@dataclass(frozen=True)
class Relation:
    """A table holding personal data and its personal columns (name, DuckDB type)."""

    name: str  # qualified, quoted: raw."ibc_pa0002"
    columns: tuple[tuple[str, str], ...]


def personal_relations(con: duckdb.DuckDBPyConnection, feeds: Iterable[FeedSpec]) -> list[Relation]:
    """The raw feeds' personal columns and the restricted tables' columns, as the warehouse has them."""
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    personal = {("raw", spec.table): {c.name.lower() for c in spec.columns if c.personal} for spec in feeds}
    rows = con.execute(
        """
        select c.schema_name, c.table_name, c.column_name, c.data_type
        from duckdb_columns() c join duckdb_tables() t using (database_name, schema_name, table_name)
        where c.database_name = current_database() and c.schema_name in ('raw', 'restricted')
        order by c.schema_name, c.table_name, c.column_index
        """
    ).fetchall()
    for schema, table, column, data_type in rows:
        if schema == "raw" and column.lower() not in personal.get((schema, table), set()):
            continue
        columns.setdefault((schema, table), []).append((column, data_type))
    return [Relation(f'{schema}."{table}"', tuple(cols)) for (schema, table), cols in columns.items()]


def _known_value_selects(relation: Relation) -> list[str]:
    """SELECTs of (kind, form, v, norm) for every recognised personal column of a relation."""
    by_name = {name.lower(): (name, data_type) for name, data_type in relation.columns}
    selects = []
    for lowered, (name, data_type) in by_name.items():
        if (kind := KIND_OF_COLUMN.get(lowered)) is None:
            continue
        form = FORM_OF_KIND.get(kind, "text")
        v = "cast(raw_value as varchar)"
        if form == "date" and data_type in {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}:
            norm = "strftime(cast(raw_value as date), '%Y-%m-%d')"
        else:
            norm = {"date": _date, "phone": _phone, "text": _text}[form](v)
        selects.append(
            f"select '{kind}' as kind, '{form}' as form, {v} as v, {norm} as norm "
            f'from (select distinct "{name}" as raw_value from {relation.name} where "{name}" is not null)'
        )
    first = next((by_name[n][0] for n in sorted(FIRST_NAME) if n in by_name), None)
    last = next((by_name[n][0] for n in sorted(LAST_NAME) if n in by_name), None)
    middle = next((by_name[n][0] for n in sorted(MIDDLE_NAME) if n in by_name), None)
    if first and last:
        given, family, middles = _text("given"), _text("family"), _text("middles")
        orders = [f"{given} || {family}", f"{family} || {given}"]
        if middle:
            orders.append(f"{given} || {middles} || {family}")
        middle_sql = f'"{middle}"' if middle else "null"
        names = (
            f'select distinct "{first}" as given, "{last}" as family, {middle_sql} as middles '
            f'from {relation.name} where "{first}" is not null and "{last}" is not null'
        )
        selects.extend(
            f"select 'full name' as kind, 'text' as form, given || ' ' || family as v, {order} as norm "
            f"from ({names})"
            for order in orders
        )
    return selects


def load_known_values(con: duckdb.DuckDBPyConnection, key: bytes, relations: Sequence[Relation]) -> int:
    """Build the scanning connection's temporary table of known personal values; their number."""
    selects = [s for relation in relations for s in _known_value_selects(relation)]
    rule = " or ".join(f"(kind = '{kind}' and {sql})" for kind, sql in KNOWN_VALUE_RULE.items())
    union = (
        " union all ".join(selects)
        or "select null as kind, null as form, null as v, null as norm where false"
    )
    con.execute(
        f"""
        create or replace temp table known_personal_values as
        select kind, form, norm, {_keyed("form || norm")} as h, {_hmac("form || norm")} as m
        from (select distinct kind, form, norm from ({union}) where norm is not null and ({rule}))
        """,
        _parameters(key),
    )
    return con.execute("select count(*) from known_personal_values").fetchone()[0]


@dataclass(frozen=True)
class Finding:
    """Distinct values of one column that hold one kind of personal data (never the values)."""

    column: str
    kind: str
    values: int


def scan_table(
    con: duckdb.DuckDBPyConnection, table: str, text_columns: Sequence[str], key: bytes
) -> list[Finding]:
    """Shapes and known personal values in the text columns of `table` (load_known_values first)."""
    if not text_columns:
        return []
    quoted = ", ".join(f'"{c}"' for c in text_columns)
    shape_counts = ", ".join(
        f"count(*) filter (where regexp_matches(v, '{pattern}')) as \"{kind}\""
        for kind, pattern in SHAPES.items()
    )
    date_shape = SHAPES["date written as text"]
    phone_chars = r"[0-9+()\s.-]{10,24}"
    parameters = _parameters(key)
    # Three statements, so that the HMAC is computed only for the few candidates the 64-bit hash
    # found: in one query the optimizer makes the HMAC equality a join key and hashes every value.
    try:
        con.execute(
            f"""
            create or replace temp table scan_values as
            select distinct column_name, v
            from (unpivot (select {quoted} from {table}) on {quoted} into name column_name value v)
            """
        )
        con.execute(
            f"""
            create or replace temp table scan_candidates as
            with forms as (
                select column_name, 'text' as form, {_text("v")} as norm from scan_values
                union all
                select column_name, 'phone', {_phone("v")} from scan_values
                where regexp_full_match(v, '{phone_chars}')
                union all
                select column_name, 'date', {_date("v")} from scan_values
                where regexp_matches(v, '{date_shape}')
            )
            select f.column_name, k.kind, f.form, f.norm, k.m
            from forms f join known_personal_values k on k.h = {_keyed("f.form || f.norm")}
            """,
            {"hash_key": parameters["hash_key"]},
        )
        rows = con.execute(
            f"""
            with shapes as (select column_name, {shape_counts} from scan_values group by column_name),
            known as (
                select column_name, 'known ' || kind as kind, count(distinct norm) as n
                from scan_candidates where m = {_hmac("form || norm")}
                group by all
            )
            select column_name, kind, n
            from (unpivot shapes on columns(* exclude column_name) into name kind value n)
            where n > 0
            union all
            select column_name, kind, n from known
            order by 1, 2
            """,
            {"ipad": parameters["ipad"], "opad": parameters["opad"]},
        ).fetchall()
    finally:  # the scan's own temp tables, dropped whether or not it completed
        con.execute("drop table if exists scan_values; drop table if exists scan_candidates")
    return [Finding(column, kind, int(n)) for column, kind, n in rows]
