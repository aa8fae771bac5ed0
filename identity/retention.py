"""The retention schedule (identity/retention.yml) and its nightly application.

Each data class names source systems, a period and a trigger. Records past their period are
removed with erasure's machinery (identity/erasure.remove): rewritten out of the archive and
quarantine copies, deleted from every table that holds people's rows, recorded in the erasure
register with reason `retention` (so a re-delivered copy is suppressed too) and in the governance
log, one action per data class that removed anything. Two triggers:

- `record_date`: the record's own date (CRM contact created_at, e-form started_at, telephony
  offered_at): the record goes, the rest of the customer stays;
- `last_contact`: the customer's latest record date in any system: the whole customer goes, with
  every record resolved to them (person index records have no date of their own: they follow
  their customer). The record_date classes remove those dated records long before, so each run
  first keeps every customer's last contact in `restricted.customer_last_contact` (customer key,
  date: `keep_last_contact`), and the period counts from the later of the kept date and the dated
  records still held. The row goes with its customer (a customer-key column: erasure's holdings).

Periods count back from the warehouse's reporting date (the data's own clock: in production the
newest day delivered, i.e. yesterday), which the caller passes: a rebuild, a replay or a simulated
world dated in the past removes exactly what its own day would have removed, never what the day
the code happens to run on says. A warehouse whose feeds stop stops its clock too; the stale-release
alert fires the next morning (docs/governance.md). `INSIGHT_HUB_RETENTION_SCHEDULE` names another
schedule file (tests use short periods on simulated worlds).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

from identity import erasure, governance, subjects
from identity.governance import GovernanceError
from ingestion import redaction
from ingestion.layout import Layout
from publication.completeness import ReportingDateUnavailable, reporting_date

SCHEDULE = Path(__file__).with_name("retention.yml")
SCHEDULE_VARIABLE = "INSIGHT_HUB_RETENTION_SCHEDULE"
TRIGGERS = ("record_date", "last_contact")
PERIOD = re.compile(r"^\s*(\d+)\s+(day|month|year)s?\s*$")
# restricted.<LAST_CONTACT>: each customer's last contact, kept past the removal of their dated records.
LAST_CONTACT = "customer_last_contact"

# The date of each dated source's records: (raw table, record id column, date column).
RECORD_DATES = {
    feed.source_system: (feed.spec.table, feed.key, feed.dated_by)
    for feed in redaction.PERSON_FEEDS
    if feed.dated_by
}


@dataclass(frozen=True)
class DataClass:
    name: str
    systems: tuple[str, ...]
    period: str
    trigger: str
    legal_basis: str
    description: str = ""

    def cutoff(self, today: date) -> date:
        """Records whose trigger date is before this day are past their period."""
        n, unit = PERIOD.match(self.period).groups()
        n = int(n)
        try:
            if unit == "day":
                return today - timedelta(days=n)
            months = n * (12 if unit == "year" else 1)
            year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
            return date(year, month + 1, min(today.day, 28))
        except (OverflowError, ValueError):  # before the first day a date can hold
            raise GovernanceError(
                f"as-of day {today}: {self.name}'s period of {self.period} reaches back before year 1: "
                "ask for a later day"
            ) from None


def schedule_path() -> Path:
    return Path(os.environ.get(SCHEDULE_VARIABLE) or SCHEDULE)


def load(path: Path | None = None) -> list[DataClass]:
    """Read and check the schedule: every entry complete, periods and triggers known."""
    path = path or schedule_path()
    entries = (yaml.safe_load(path.read_text()) or {}).get("schedule") or []
    known = {*subjects.SYSTEMS, subjects.TELEPHONY}
    classes = []
    for n, entry in enumerate(entries, 1):
        missing = [
            k for k in ("data_class", "systems", "period", "trigger", "legal_basis") if not entry.get(k)
        ]
        if missing:
            raise GovernanceError(f"{path.name}: entry {n} lacks {', '.join(missing)}")
        name = entry["data_class"]
        if not PERIOD.match(str(entry["period"])):
            raise GovernanceError(
                f"{path.name}: {name}: period {entry['period']!r} is not '<n> days|months|years'"
            )
        if entry["trigger"] not in TRIGGERS:
            raise GovernanceError(
                f"{path.name}: {name}: trigger {entry['trigger']!r} is not one of {TRIGGERS}"
            )
        if unknown := set(entry["systems"]) - known:
            raise GovernanceError(f"{path.name}: {name}: unknown systems {sorted(unknown)}")
        if entry["trigger"] == "record_date" and (undated := set(entry["systems"]) - set(RECORD_DATES)):
            raise GovernanceError(f"{path.name}: {name}: {sorted(undated)} have no record date of their own")
        classes.append(
            DataClass(
                name,
                tuple(entry["systems"]),
                str(entry["period"]),
                entry["trigger"],
                " ".join(str(entry["legal_basis"]).split()),
                " ".join(str(entry.get("description", "")).split()),
            )
        )
    return classes


def retention_day(con: duckdb.DuckDBPyConnection, requested: date | None = None) -> date | None:
    """The day periods count back from: the warehouse's reporting date, or an earlier day an operator
    asks for (`requested`); None before the first build (nothing is held long enough yet). A day after
    the reporting date is refused: it would remove records whose period has not passed."""
    try:
        reporting = reporting_date(con)  # the last build's: one night behind at worst, never ahead
    except ReportingDateUnavailable:
        reporting = None
    if requested is None:
        return reporting
    if reporting is None:
        raise GovernanceError(
            "the warehouse has no reporting date yet (no build): nothing can be past its period; "
            "run `insight-hub refresh` first"
        )
    if requested > reporting:
        raise GovernanceError(
            f"as-of day {requested} is after the warehouse's reporting date {reporting}: it would remove "
            "records whose retention period has not yet passed (an earlier day is allowed)"
        )
    return requested


def expired(con: duckdb.DuckDBPyConnection, data_class: DataClass, today: date) -> dict[str, set[str]]:
    """The records of a data class past their period (source system -> record ids)."""
    cutoff = data_class.cutoff(today)
    found: dict[str, set[str]] = {}
    if data_class.trigger == "record_date":
        for system in data_class.systems:
            table, key, when = RECORD_DATES[system]
            if subjects.table_exists(con, "raw", table):
                rows = con.execute(
                    f"select distinct {key} from raw.{table} group by {key} having max({when}) < ?", [cutoff]
                ).fetchall()
                if rows:
                    found[system] = {r[0] for r in rows}
        return found
    if not subjects.table_exists(con, "restricted", "customer_xref"):
        return found
    stored = (
        f"select customer_key, last_contact_at from restricted.{LAST_CONTACT}"
        if subjects.table_exists(con, "restricted", LAST_CONTACT)
        else "select null::varchar as customer_key, null::timestamp as last_contact_at where false"
    )
    rows = con.execute(
        f"""with last_contact as (
                select customer_key, max(last_contact_at) as at
                from ({stored} union all {_held_last_contact(con)}) group by customer_key)
            select x.source_system, x.source_record_id
            from restricted.customer_xref x join last_contact l using (customer_key)
            where l.at < ? and x.source_system in (select unnest(?::varchar[]))""",
        [cutoff, list(data_class.systems)],
    ).fetchall()
    for system, record_id in rows:
        found.setdefault(system, set()).add(record_id)
    if (
        subjects.TELEPHONY in data_class.systems
        and found.get("crm")
        and subjects.table_exists(con, "raw", subjects.CRM_CONTACTS)
    ):
        calls = con.execute(
            f"select distinct call_id from raw.{subjects.CRM_CONTACTS} where call_id is not null "
            "and contact_id in (select unnest(?::varchar[]))",
            [sorted(found["crm"])],
        ).fetchall()
        if calls:
            found[subjects.TELEPHONY] = {r[0] for r in calls}
    return found


def _held_last_contact(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: each resolved customer's latest dated record still held (customer_key, last_contact_at);
    telephony aside (its calls are not resolved to customers). A customer with no dated record has
    none."""
    dated = (
        " union all ".join(
            f"select '{system}' as source_system, {key} as source_record_id, max({when}) as at "
            f"from raw.{table} group by {key}"
            for system, (table, key, when) in RECORD_DATES.items()
            if system != subjects.TELEPHONY and subjects.table_exists(con, "raw", table)
        )
        or "select null::varchar, null::varchar, null::timestamp where false"
    )
    return (
        f"select x.customer_key, d.at as last_contact_at from restricted.customer_xref x "
        f"join ({dated}) d using (source_system, source_record_id)"
    )


def keep_last_contact(con: duckdb.DuckDBPyConnection) -> None:
    """Keep each customer's last contact where the record_date classes cannot take it: run before any
    class removes anything (in `preview`, inside its rolled-back transaction). The kept date is the
    later of the stored one and the customer's dated records held; a stored key that identity
    resolution changed since (restricted.customer_key_changes: a merge or a split) carries its date
    to the new key, and a key no longer resolved (its customer gone) is dropped."""
    if not subjects.table_exists(con, "restricted", "customer_xref"):
        return
    con.execute(
        f"create table if not exists restricted.{LAST_CONTACT} "
        "(customer_key varchar, last_contact_at timestamp)"
    )
    carried = (
        "union all select c.customer_key, s.last_contact_at from stored s join (select distinct "
        "previous_customer_key, customer_key from restricted.customer_key_changes) c "
        "on c.previous_customer_key = s.customer_key"
        if subjects.table_exists(con, "restricted", "customer_key_changes")
        else ""
    )
    con.execute(
        f"""create or replace table restricted.{LAST_CONTACT} as
            with stored as (select customer_key, last_contact_at from restricted.{LAST_CONTACT})
            select customer_key, max(last_contact_at) as last_contact_at
            from (select * from stored {carried} union all {_held_last_contact(con)})
            where customer_key in (select customer_key from restricted.customer_xref)
            group by customer_key
            order by customer_key"""
    )


@dataclass(frozen=True)
class Applied:
    """What one data class removed (or, from `preview`, would remove): counts only."""

    data_class: str
    cutoff: date
    records: int
    rows: int
    files_rewritten: int


def apply(con: duckdb.DuckDBPyConnection, home: Path, salt: str, today: date) -> list[Applied]:
    """Remove every record past its period on `today` (the reporting date), class by class; each
    class that removed anything is one action in the governance log (counts, the class, its
    cut-off: no identifier)."""
    done = []
    for data_class, records, dated in _due(con, today):
        rows, rewritten = erasure.remove(con, home, salt, records, "retention", None, dated)
        if not rows and not rewritten:
            continue
        governance.record(
            con,
            "retention",
            None,
            rows,
            {
                "data_class": data_class.name,
                "cutoff": data_class.cutoff(today).isoformat(),
                "period": data_class.period,
                "trigger": data_class.trigger,
                "records": {system: len(ids) for system, ids in records.items()},
                "files_rewritten": len(rewritten),
            },
        )
        done.append(_applied(data_class, today, records, rows, len(rewritten)))
    return done


def preview(con: duckdb.DuckDBPyConnection, home: Path, today: date) -> list[Applied]:
    """What `apply` would remove on `today`, every class listed, nothing changed: the same classes in
    the same order, each seeing what the ones before it removed (their deletes run in one transaction,
    rolled back), and the delivered copies each would rewrite (read, not written; a copy counts for
    the first class that takes a line from it)."""
    layout = Layout(home)
    taken: dict[Path, set[int]] = {}
    planned = []
    con.execute("begin transaction")
    try:
        for data_class, records, dated in _due(con, today, every_class=True):
            rows = erasure.delete_rows(con)
            files = 0
            for path, lines in redaction.lines_to_rewrite(layout, records, dated):
                files += not lines <= taken.get(path, set())
                taken.setdefault(path, set()).update(lines)
            planned.append(_applied(data_class, today, records, rows, files))
    finally:
        con.execute("rollback")
    return planned


def _due(
    con: duckdb.DuckDBPyConnection, today: date, every_class: bool = False
) -> Iterator[tuple[DataClass, dict[str, set[str]], dict[str, date] | None]]:
    """Each data class with something to remove on `today`: its records past their period, named in
    the subject temp tables (erasure.name_records), and the day before which its daily copies are
    emptied (record_date classes). A class is yielded once the ones before it were removed: `apply`
    and `preview` remove them in between. `every_class` also yields the classes with nothing due.
    Every customer's last contact is kept first (`keep_last_contact`)."""
    classes = load()
    cutoffs = [c.cutoff(today) for c in classes]  # a day no period can count back from: refused first
    keep_last_contact(con)
    for data_class, cutoff in zip(classes, cutoffs, strict=True):
        records = expired(con, data_class, today)
        # (A record_date class always goes on: old copies refused whole may hold records.)
        if not every_class and not records and data_class.trigger != "record_date":
            continue
        dated = (
            {system: cutoff for system in data_class.systems} if data_class.trigger == "record_date" else None
        )
        erasure.name_records(con, records)
        yield data_class, records, dated


def _applied(
    data_class: DataClass, today: date, records: dict[str, set[str]], rows: dict[str, int], files: int
) -> Applied:
    return Applied(
        data_class.name,
        data_class.cutoff(today),
        sum(len(ids) for ids in records.values()),
        sum(rows.values()),
        files,
    )
