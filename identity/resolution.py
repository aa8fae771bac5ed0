"""One identity-resolution run: records -> linkage -> keys -> golden record -> restricted tables.

Writes, in one transaction on the working warehouse:
- restricted.customer_xref (source_system, source_record_id, customer_key, match_probability),
- restricted.customer_golden (one row per customer_key, golden.py),
- restricted.customer_key_changes (appended: records whose key changed since the last run),
- restricted.identity_model (appended: the trained Splink model of the run, as JSON),
- restricted.identity_review (replaced: the pairs in the uncertain band, review.py),
and the same model to $INSIGHT_HUB_HOME/identity/model.json; Splink's dashboards of the review
queue to the restricted review folder. Reviewers' decisions (restricted.identity_decisions)
override the model. Returns counts only: personal
data never leaves the restricted schema.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from identity import golden, keys, linkage, records, review
from ingestion.layout import Layout

MODEL_DDL = """
create table if not exists restricted.identity_model (
    trained_at timestamp, threshold double, records bigint, customers bigint, model_json json
)
"""

# Quality limits of a run (the asset checks).
MAX_CUSTOMER_RECORDS = 1000  # a customer with more records is a blocking failure, not a resident
MIN_LINKED_SHARE = 0.3  # below this, linkage has probably stopped working
MAX_KEY_CHANGE_SHARE = 0.02  # keys must be stable from one night to the next


@dataclass
class RunSummary:
    """Counts and rates of one run (safe for logs and Dagster metadata)."""

    records: int
    customers: int
    records_linked: int  # records in a customer with more than one record
    largest_customer: int
    customers_over_100_records: int
    pairs_linked: int
    clusters_split: int
    ambiguous_twin_records: int  # records that could be either of two twins, left unlinked
    name_only_attached: int
    decisions_applied: int  # reviewers' decisions in force on records of this run
    review_queue: int  # pairs in the uncertain band
    records_carried_over: int  # records also resolved by the previous run
    keys_changed: int  # of those, records whose customer_key changed
    raw_tables_missing: list[str]
    seconds: float

    @property
    def linked_share(self) -> float:
        return self.records_linked / self.records if self.records else 0.0

    @property
    def key_change_share(self) -> float:
        return self.keys_changed / self.records_carried_over if self.records_carried_over else 0.0

    def metadata(self) -> dict:
        return {
            **asdict(self),
            "linked_share": round(self.linked_share, 4),
            "key_change_share": round(self.key_change_share, 4),
        }


def model_path(home: Path) -> Path:
    return Layout(home).identity_model


def run(con: duckdb.DuckDBPyConnection, home: Path, salt: str) -> RunSummary:
    """Resolve every person record of the raw tables into customers and write the results."""
    started = time.monotonic()
    resolved_at = datetime.now().replace(microsecond=0).isoformat(sep=" ")
    missing = records.build(con)
    resolution = linkage.resolve(
        con.sql("select * from identity_records").to_arrow_table(),
        decisions=review.in_force(con),
        dashboards=review.review_dir(home),
    )
    con.register("resolution_clusters", resolution.clusters)
    con.execute("create or replace temp table resolved_clusters as select * from resolution_clusters")
    con.unregister("resolution_clusters")
    keys.assign(con, "resolved_clusters", salt)
    golden.build(con)
    con.execute("create schema if not exists restricted")
    con.execute(MODEL_DDL)
    con.execute("begin transaction")
    try:
        carried, changed = keys.record_changes(con, resolved_at)
        con.execute("create or replace table restricted.customer_xref as select * from resolved_xref")
        con.execute("create or replace table restricted.customer_golden as select * from resolved_golden")
        review.write_queue(con, resolution.review, resolved_at)
        n_records, n_customers, linked, largest, over_100 = con.execute(
            """with sizes as (select customer_key, count(*) as n from resolved_xref group by 1)
               select coalesce(sum(n), 0), count(*), coalesce(sum(n) filter (where n > 1), 0),
                      coalesce(max(n), 0), count(*) filter (where n > 100)
               from sizes"""
        ).fetchall()[0]
        con.execute(
            "insert into restricted.identity_model values (?::timestamp, ?, ?, ?, ?)",
            [resolved_at, linkage.THRESHOLD, n_records, n_customers, json.dumps(resolution.model)],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    path = model_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(resolution.model, indent=2))
    return RunSummary(
        records=n_records,
        customers=n_customers,
        records_linked=linked,
        largest_customer=largest,
        customers_over_100_records=over_100,
        pairs_linked=resolution.pairs_linked,
        clusters_split=resolution.clusters_split,
        ambiguous_twin_records=resolution.ambiguous_twin_records,
        name_only_attached=resolution.name_only_attached,
        decisions_applied=resolution.decisions_applied,
        review_queue=resolution.review.num_rows,
        records_carried_over=carried,
        keys_changed=changed,
        raw_tables_missing=missing,
        seconds=round(time.monotonic() - started, 1),
    )


def checks(summary: RunSummary) -> dict[str, tuple[bool, str]]:
    """The quality checks of a run: name -> (passed, what was found)."""
    return {
        "customer_size": (
            summary.largest_customer <= MAX_CUSTOMER_RECORDS,
            f"largest customer {summary.largest_customer} records (limit {MAX_CUSTOMER_RECORDS}), "
            f"{summary.customers_over_100_records} customers over 100 records",
        ),
        "linked_share": (
            summary.records == 0 or summary.linked_share >= MIN_LINKED_SHARE,
            f"{summary.linked_share:.1%} of records linked to another (minimum {MIN_LINKED_SHARE:.0%})",
        ),
        "key_stability": (
            summary.key_change_share <= MAX_KEY_CHANGE_SHARE,
            f"{summary.keys_changed} of {summary.records_carried_over} records carried over changed key "
            f"({summary.key_change_share:.2%}, maximum {MAX_KEY_CHANGE_SHARE:.0%})",
        ),
    }
