"""Human review: the pairs the model is unsure about, and the decisions reviewers record.

- The queue, `restricted.identity_review`, is rebuilt on every run: the candidate pairs whose
  match probability lies in the uncertain band [REVIEW_LOW, REVIEW_HIGH), with what the model
  and the clustering made of them and any decision already recorded for the pair.
- Decisions, `restricted.identity_decisions`, are appended and never updated (the audit
  trail: who, when, why, from where). The latest decision for a pair is the one in force and
  overrides the model on every later run, retrained or not: "match" links the two records
  whatever their score and cluster rules say; "no_match" keeps them in different customers.
  Keys stay stable because keys.py names a customer after its earliest record: a decision
  moves only the records it separates or joins.
- The queue is also written, for the reviewer, to `<home>/restricted/identity_review/` with
  Splink's comparison viewer and cluster studio dashboards (offline HTML, dashboards.py); that
  folder is the only place outside the warehouse that holds personal data.

A pair is named by the records' unique ids (`source_system:source_record_id`), smaller first.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.layout import Layout

REVIEW_LOW = 0.5  # below: the model is sure enough they are different people
REVIEW_HIGH = 0.995  # at or above: sure enough they are the same person
DECISIONS = ("match", "no_match")

DECISIONS_DDL = """
create table if not exists restricted.identity_decisions (
    decided_at timestamp, reviewer varchar, unique_id_l varchar, unique_id_r varchar,
    decision varchar, reason varchar, recorded_from varchar
)
"""

REVIEW_DDL = """
create or replace table restricted.identity_review (
    queued_at timestamp, unique_id_l varchar, unique_id_r varchar, match_probability double,
    match_weight double, model_linked boolean, same_customer boolean, customer_key_l varchar,
    customer_key_r varchar, decision varchar
)
"""

DECISION_FILE_COLUMNS = ("unique_id_l", "unique_id_r", "decision", "reason")


class ReviewError(ValueError):
    """A decision that cannot be recorded (unknown record, unknown decision, malformed file)."""


def review_dir(home: Path) -> Path:
    """The restricted folder of review files (queue, dashboards): personal data, never published."""
    return Layout(home).identity_review


def _pair(left: str, right: str) -> tuple[str, str]:
    if left == right:
        raise ReviewError(f"a pair needs two different records, got {left} twice")
    return (left, right) if left < right else (right, left)


def in_force(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The decision in force for each decided pair (unique_id_l, unique_id_r, decision): the latest."""
    con.execute("create schema if not exists restricted")
    con.execute(DECISIONS_DDL)
    return con.sql(
        """select unique_id_l, unique_id_r, arg_max(decision, (decided_at, rowid)) as decision
           from restricted.identity_decisions group by all order by all"""
    ).to_arrow_table()


def record_decision(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    decision: str,
    reviewer: str,
    reason: str = "",
    recorded_from: str = "cli",
) -> tuple[str, str]:
    """Append one decision; both records must be resolved records. Returns the pair as stored."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if not reviewer.strip():
        raise ReviewError("a decision needs the reviewer's name (it is audited)")
    pair = _pair(left, right)
    known = {
        row[0]
        for row in con.execute(
            """select source_system || ':' || source_record_id from restricted.customer_xref
               where source_system || ':' || source_record_id in (?, ?)""",
            list(pair),
        ).fetchall()
    }
    missing = [uid for uid in pair if uid not in known]
    if missing:
        raise ReviewError(
            f"no resolved record {', '.join(missing)} (write ids as source_system:source_record_id)"
        )
    con.execute(DECISIONS_DDL)
    con.execute(
        "insert into restricted.identity_decisions values (?::timestamp, ?, ?, ?, ?, ?, ?)",
        [datetime.now().isoformat(sep=" "), reviewer.strip(), *pair, decision, reason, recorded_from],
    )
    return pair


def record_file(con: duckdb.DuckDBPyConnection, path: Path, reviewer: str) -> int:
    """Record every decided row of a review file (queue.csv with `decision` filled in); returns how many.

    All rows are checked before any is recorded: a file with one bad row records nothing.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not set(DECISION_FILE_COLUMNS) <= set(rows[0]):
        raise ReviewError(f"{path} needs the columns {', '.join(DECISION_FILE_COLUMNS)}")
    decided = [r for r in rows if (r.get("decision") or "").strip()]
    con.execute("begin transaction")
    try:
        for number, row in enumerate(decided, start=2):
            try:
                record_decision(
                    con,
                    row["unique_id_l"].strip(),
                    row["unique_id_r"].strip(),
                    row["decision"].strip(),
                    reviewer,
                    (row.get("reason") or "").strip(),
                    f"file {path.name} line {number}",
                )
            except ReviewError as error:
                raise ReviewError(f"{path.name} line {number}: {error}") from None
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(decided)


def write_queue(con: duckdb.DuckDBPyConnection, queue: pa.Table, queued_at: str) -> None:
    """Replace restricted.identity_review with this run's uncertain pairs (`resolved_xref` names keys)."""
    con.register("review_queue_arrow", queue)
    con.execute(REVIEW_DDL)
    con.execute(
        """insert into restricted.identity_review
           select ?::timestamp, q.unique_id_l, q.unique_id_r, q.match_probability, q.match_weight,
                  q.model_linked, xl.customer_key = xr.customer_key, xl.customer_key, xr.customer_key,
                  q.decision
           from review_queue_arrow as q
           join resolved_xref as xl on xl.source_system || ':' || xl.source_record_id = q.unique_id_l
           join resolved_xref as xr on xr.source_system || ':' || xr.source_record_id = q.unique_id_r
           order by q.match_probability desc, q.unique_id_l, q.unique_id_r""",
        [queued_at],
    )
    con.unregister("review_queue_arrow")


def export_queue(con: duckdb.DuckDBPyConnection, home: Path) -> Path:
    """Write the open queue as queue.csv in the restricted review folder, for a reviewer to fill in."""
    folder = Layout.private_folder(review_dir(home))
    path = folder / "queue.csv"
    rows = con.execute(
        """select unique_id_l, unique_id_r, round(match_probability, 4), same_customer
           from restricted.identity_review where decision is null
           order by match_probability desc, unique_id_l, unique_id_r"""
    ).fetchall()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["unique_id_l", "unique_id_r", "match_probability", "linked_now", "decision", "reason"]
        )
        writer.writerows([*row, "", ""] for row in rows)
    return path
