"""Customer keys: keyed hash of the cluster's earliest record; key changes recorded run to run."""

from datetime import datetime

import pyarrow as pa
from identity_raw import add_rows

from identity import keys, records


def test_customer_key_is_a_keyed_hash():
    key = keys.customer_key("salt-1", "crm:C1")
    assert key == keys.customer_key("salt-1", "crm:C1")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != keys.customer_key("salt-2", "crm:C1") != keys.customer_key("salt-1", "crm:C2")


def _contacts(con, ids_and_times):
    add_rows(
        con,
        "csc_crm_contacts",
        "contacts_20250401.csv",
        [{"contact_id": cid, "created_at": at, "customer_last_name": "Lee"} for cid, at in ids_and_times],
    )
    records.build(con)


def _resolve(con, clusters: dict[str, str]) -> dict[str, str]:
    table = pa.table(
        {
            "unique_id": list(clusters),
            "cluster_id": list(clusters.values()),
            "match_probability": [None] * len(clusters),
        }
    )
    con.register("clusters_in", table)
    con.execute("create or replace temp table clusters as select * from clusters_in")
    keys.assign(con, "clusters", "salt")
    return dict(con.execute("select source_record_id, customer_key from resolved_xref").fetchall())


def test_the_earliest_record_names_the_customer(raw_con):
    _contacts(
        raw_con, [("C1", datetime(2025, 4, 2)), ("C2", datetime(2025, 4, 1)), ("C3", datetime(2025, 4, 3))]
    )
    xref = _resolve(raw_con, {"crm:C1": "x", "crm:C2": "x", "crm:C3": "y"})
    assert xref == {
        "C1": keys.customer_key("salt", "crm:C2"),
        "C2": keys.customer_key("salt", "crm:C2"),
        "C3": keys.customer_key("salt", "crm:C3"),
    }


def test_a_merge_changes_only_the_later_customers_key_and_is_recorded(raw_con):
    _contacts(
        raw_con, [("C1", datetime(2025, 4, 1)), ("C2", datetime(2025, 4, 2)), ("C3", datetime(2025, 4, 3))]
    )
    _resolve(raw_con, {"crm:C1": "a", "crm:C2": "b", "crm:C3": "b"})
    raw_con.execute("create schema restricted")
    assert keys.record_changes(raw_con, "2025-04-03 02:00:00") == (0, 0)  # no previous run yet
    raw_con.execute("create table restricted.customer_xref as select * from resolved_xref")
    _resolve(raw_con, {"crm:C1": "a", "crm:C2": "a", "crm:C3": "a"})  # a new link merges them
    assert keys.record_changes(raw_con, "2025-04-04 02:00:00") == (3, 2)
    changes = raw_con.execute(
        "select changed_at, source_record_id, previous_customer_key, customer_key "
        "from restricted.customer_key_changes order by source_record_id"
    ).fetchall()
    first, second = keys.customer_key("salt", "crm:C1"), keys.customer_key("salt", "crm:C2")
    assert changes == [
        (datetime(2025, 4, 4, 2), "C2", second, first),
        (datetime(2025, 4, 4, 2), "C3", second, first),
    ]
