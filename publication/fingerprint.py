"""The fingerprint of a table's content: what binds a check's outcome to the data it judged.

Every check that gates a release records the fingerprint of its table when it judged it (check
metadata `fingerprint`); the publish step fingerprints the tables it is about to publish and
refuses any whose blocking checks did not pass on exactly that fingerprint (publication/gate.py).

One scan per table in DuckDB: the row count, the sum and the XOR of a 64-bit hash of every row
(DuckDB's `hash` of the row as a struct), and the column names and types. Order-independent (a
table rewritten in another order keeps its fingerprint), sensitive to any changed, added, removed
or duplicated row (the sum does not cancel duplicates as the XOR would) and to a renamed or
retyped column. It is not a cryptographic digest: it detects change, it does not resist forgery
by someone who can write to the warehouse. DuckDB's hash may change between DuckDB versions; a
fingerprint is only ever compared with one computed by the same installation (an upgrade makes
every check stale until the checks run again).
"""

from __future__ import annotations

import hashlib

import duckdb

FINGERPRINT_METADATA_KEY = "fingerprint"
_VERSION = "v1"


def table_fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The fingerprint of `relation` (e.g. `bi.kpi_csc_monthly`, `rel.bi.fct_spend`) as text."""
    *catalog, schema, table = relation.split(".")
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
        "and database_name = coalesce(?, current_database()) order by column_index",
        [schema, table, catalog[0] if catalog else None],
    ).fetchall()
    if not columns:
        raise LookupError(f"no table {relation} to fingerprint")
    [(rows, total, xor)] = con.execute(
        "select count(*), coalesce(sum(hash(t)::hugeint), 0), coalesce(bit_xor(hash(t)), 0) "
        f"from {relation} t"
    ).fetchall()  # fetched to the end: the connection is free for the caller's next statement
    signature = ";".join(f"{name}:{data_type}" for name, data_type in columns)
    digest = hashlib.sha256(f"{signature}|{rows}|{total}|{xor}".encode()).hexdigest()[:32]
    return f"{_VERSION}-{rows}-{digest}"
