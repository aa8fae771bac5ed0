"""Stable pseudonymous customer keys, and the record of keys that changed between runs.

A customer's key is HMAC-SHA256, keyed with INSIGHT_HUB_SALT, of the unique id
(`source_system:source_record_id`) of the cluster's earliest record (records.py: record_date,
ties by unique id). New records are always later than the ones already seen, so a customer
keeps its key night after night; it changes only when the cluster genuinely changes: two
customers merge (the later one takes the earlier one's key) or a customer splits (the part
without the earliest record gets a new key). Without the salt a key cannot be traced back.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa

KEY_CHANGES_DDL = """
create table if not exists restricted.customer_key_changes (
    changed_at timestamp, source_system varchar, source_record_id varchar,
    previous_customer_key varchar, customer_key varchar
)
"""


def customer_key(salt: str, unique_id: str) -> str:
    """The keyed hash of one record's unique id (hex)."""
    return hmac.new(salt.encode(), unique_id.encode(), hashlib.sha256).hexdigest()


def assign(con: duckdb.DuckDBPyConnection, clusters: str, salt: str) -> None:
    """Create temp table `resolved_xref` (the new customer_xref) from `clusters` and `identity_records`.

    `clusters` has unique_id, cluster_id and match_probability per record.
    """
    con.execute(
        f"""create or replace temp table cluster_founders as
            select c.cluster_id,
                   arg_min(r.unique_id, (coalesce(r.record_date, 'infinity'::timestamp), r.unique_id))
                       as founder
            from {clusters} as c join identity_records as r using (unique_id)
            group by c.cluster_id"""
    )
    founders = [row[0] for row in con.execute("select founder from cluster_founders").fetchall()]
    founder_keys = pa.table({"founder": founders, "customer_key": [customer_key(salt, f) for f in founders]})
    con.register("founder_keys_arrow", founder_keys)
    con.execute("create or replace temp table founder_keys as select * from founder_keys_arrow")
    con.unregister("founder_keys_arrow")
    con.execute(
        f"""create or replace temp table resolved_xref as
            select r.source_system, r.source_record_id, k.customer_key,
                   round(c.match_probability, 6) as match_probability
            from {clusters} as c
            join identity_records as r using (unique_id)
            join cluster_founders as f using (cluster_id)
            join founder_keys as k using (founder)
            order by r.source_system, r.source_record_id"""
    )


def record_changes(con: duckdb.DuckDBPyConnection, changed_at: str) -> tuple[int, int]:
    """Append to restricted.customer_key_changes the records whose key differs from the last run.

    Compares `resolved_xref` with restricted.customer_xref (the previous run, if any). Returns
    (records carried over from the previous run, records among them whose key changed).
    """
    con.execute(KEY_CHANGES_DDL)
    if not con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'restricted' and table_name = 'customer_xref'"
    ).fetchall()[0][0]:
        return 0, 0
    con.execute(
        """create or replace temp table key_changes as
           select p.source_system, p.source_record_id, p.customer_key as previous_customer_key,
                  n.customer_key, (p.customer_key <> n.customer_key) as changed
           from restricted.customer_xref as p
           join resolved_xref as n using (source_system, source_record_id)"""
    )
    con.execute(
        """insert into restricted.customer_key_changes
           select ?::timestamp, source_system, source_record_id, previous_customer_key, customer_key
           from key_changes where changed order by source_system, source_record_id""",
        [changed_at],
    )
    carried, changed = con.execute(
        "select count(*), count(*) filter (where changed) from key_changes"
    ).fetchall()[0]
    return carried, changed
