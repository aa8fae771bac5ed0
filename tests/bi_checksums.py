"""Per published table of a warehouse: its rows and an order-independent checksum of every value.

Two builds that should publish the same numbers compare equal table by table (test_erasure: tables
no erased person was in; test_order_independence: a rebuild from shuffled inputs).
"""

from pathlib import Path

import duckdb


def bi_checksums(database: Path) -> dict[str, tuple[int, int]]:
    """Per bi table: (rows, sum of the rows' hashes)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute("select table_name from duckdb_tables() where schema_name = 'bi'").fetchall()
        ]
        return {
            t: con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from bi.{t} t").fetchone()
            for t in tables
        }
