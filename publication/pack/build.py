"""The KPI pack: a static HTML page per domain, written into a release from its own audited tables.

Members and managers without Tableau read the release in a browser (issue 19; publication contract,
KPI pack and restatements): `pack/index.html` and one page per domain, charts as inline SVG and a
data table beside each, no script and no request outside the folder. It reads the release's own
DuckDB file (the internal set: published aggregate tables only, never the restricted set), so it
shows exactly what was audited, and it is written before the release's file digests are taken, so
its files are in the manifest and verified like every other file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
import yaml

from ingestion.layout import Release
from publication.pack.charts import (
    COMPLETE,
    INCOMPLETE,
    SUPPRESSED,
    Chart,
    Target,
    bar_chart,
    daily_chart,
    format_value,
    trend_chart,
)

TREND_MONTHS = 13
TARGETS_FILE = Path(__file__).with_name("targets.yml")
TEMPLATES = Path(__file__).with_name("templates")
RESTATEMENTS_TABLE = "restatements"


class PackError(ValueError):
    """The pack's configuration (targets.yml) or inputs are not usable."""


@dataclass(frozen=True)
class PackInputs:
    """What the pack knows of its release besides the tables: what the manifest will record."""

    release_id: str
    reporting_date: date | None
    checks: list[dict[str, Any]] = field(default_factory=list)  # with on_published_content
    completeness: dict[str, Any] = field(default_factory=dict)
    source_files: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Cell:
    text: str
    mark: str = ""  # "", "incomplete", "suppressed", "alert": styled and explained in words


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]]


@dataclass
class Figure:
    title: str
    lead: str  # what the chart is about and what to read from it
    chart: Chart
    table: Table
    coverage: str = ""  # said plainly under the caption when a trend covers fewer months than it should

    @property
    def alt(self) -> str:
        """The text alternative: the lead, then what the chart draws (counted from its own data)."""
        return f"{self.lead.strip()} {self.chart.drawn}"

    @property
    def svg(self) -> str:
        return self.chart.svg


@dataclass
class Section:
    heading: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Page:
    slug: str
    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)

    @property
    def file(self) -> str:
        return "index.html" if self.slug == "index" else f"{self.slug}.html"


def load_targets(path: Path = TARGETS_FILE) -> dict[tuple[str, str], list[Target]]:
    """Targets by (table, column), from the YAML file that states each with its source."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise PackError(f"{path}: cannot read the pack's targets: {error}") from error
    entries = document.get("targets")
    if not isinstance(entries, list):
        raise PackError(f"{path}: expected a list under `targets`")
    required = {"table", "column", "value", "label", "source"}
    targets: dict[tuple[str, str], list[Target]] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or set(entry) != required:
            raise PackError(f"{path}: target {number} must have exactly the keys {sorted(required)}")
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PackError(
                f"{path}: target {number} ({entry['table']}.{entry['column']}): value is not a number"
            )
        key = (str(entry["table"]), str(entry["column"]))
        targets.setdefault(key, []).append(Target(float(value), str(entry["label"]), str(entry["source"])))
    return targets


class _Reader:
    """The release's tables, read through one read-only connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.con = con
        self.schema = schema
        rows = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name = ?",
            [schema],
        ).fetchall()
        self.columns: dict[str, list[str]] = {}
        for table, column in rows:
            self.columns.setdefault(table, []).append(column)

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and all(c in self.columns[table] for c in columns)

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()


def _month_label(month: Any) -> str:
    return pd.Timestamp(month).strftime("%b %Y")


def _none_if_nan(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _month_cell(month: Any, complete: bool, missing: Any) -> Cell:
    if complete:
        return Cell(_month_label(month))
    missing = int(_none_if_nan(missing) or 0)
    why = f"{missing} source day(s) missing" if missing else "month not covered in full"
    return Cell(f"{_month_label(month)} (incomplete: {why})", "incomplete")


def _trend_frame(
    reader: _Reader, table: str, measure: str, series: str | None, aggregate: bool
) -> pd.DataFrame | None:
    """The last TREND_MONTHS months of one measure per series, with completeness and suppression."""
    if not reader.has(table, "month", measure, "is_complete", "missing_source_days"):
        return None
    series_sql = series if series else "'All'"
    window = f"month > (select max(month) from {reader.schema}.{table}) - interval {TREND_MONTHS} month"
    flag = f"{measure}_suppressed"
    suppressed = f"coalesce({flag}, false)" if reader.has(table, flag) else "false"
    if aggregate:
        # A sum over a withheld cell is withheld too (it would bound the withheld count).
        sql = (
            f"select month, {series_sql} as series, "
            f"case when bool_or({suppressed}) then null else sum({measure})::double end as value, "
            "bool_and(is_complete) as complete, max(missing_source_days) as missing, "
            f"bool_or({suppressed}) as suppressed "
            f"from {reader.schema}.{table} where {window} group by all order by month, series"
        )
    else:
        sql = (
            f"select month, {series_sql} as series, {measure}::double as value, is_complete as complete, "
            f"missing_source_days as missing, {suppressed} as suppressed "
            f"from {reader.schema}.{table} where {window} order by month, series"
        )
    frame = reader.frame(sql)
    frame["series"] = frame["series"].fillna("(none)").astype(str)
    frame["complete"] = frame["complete"].fillna(False).astype(bool)
    frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool)
    return frame


def _trend_table(frame: pd.DataFrame, title: str, unit: str) -> Table:
    """The chart's data, months down and series across, every mark in words."""
    series = sorted(frame["series"].unique())
    rows: list[list[Cell]] = []
    for month, group in frame.groupby("month", sort=True):
        by_series = {row.series: row for row in group.itertuples()}
        complete = bool(group["complete"].all())
        cells = [_month_cell(month, complete, group["missing"].max())]
        for name in series:
            row = by_series.get(name)
            if row is None:
                cells.append(Cell("no row"))
            elif row.suppressed:
                cells.append(Cell(WITHHELD, "suppressed"))
            else:
                value = format_value(_none_if_nan(row.value), unit)
                cells.append(Cell(value or "no value (NULL: see its NULL rule in the data dictionary)"))
        rows.append(cells)
    return Table(f"Data of the chart: {title}", ["Month", *series], rows)


def _trend_alt(frame: pd.DataFrame, title: str, unit: str, series_title: str, targets: list[Target]) -> str:
    months = sorted(frame["month"].unique())
    latest = frame[frame["month"] == months[-1]]
    values = ", ".join(
        f"{row.series} "
        + ("suppressed" if row.suppressed else format_value(_none_if_nan(row.value), unit) or "no value")
        for row in latest.itertuples()
    )
    incomplete = frame.loc[~frame["complete"], "month"].nunique()
    suppressed = int(frame["suppressed"].sum())
    text = (
        f"{title}: line chart by {series_title.lower()}, "
        f"{_month_label(months[0])} to {_month_label(months[-1])}. "
        f"Latest month {_month_label(months[-1])}: {values}. "
        f"{incomplete} incomplete month(s), drawn as triangles; "
        f"{suppressed} suppressed cell(s), drawn as crosses."
    )
    for target in targets:
        text += f" Dashed line: {target.label} ({target.source})."
    return text


def trend(
    reader: _Reader,
    table: str,
    measure: str,
    title: str,
    unit: str,
    series: str | None = None,
    series_title: str = "Series",
    aggregate: bool = False,
    targets: dict[tuple[str, str], list[Target]] | None = None,
) -> Figure | str:
    """A 13-month trend of one KPI column with its data table, or a note saying why there is none."""
    frame = _trend_frame(reader, table, measure, series, aggregate)
    if frame is None:
        return f"{title}: {table}.{measure} is not in this release."
    if frame.empty:
        return f"{title}: {table} has no rows in this release."
    lines = (targets or {}).get((table, measure), [])
    return _trend_figure(frame, title, unit, series_title, lines, f"{table}.{measure}")


def _coverage(frame: pd.DataFrame) -> tuple[int, str]:
    """How many months of a trend hold something to draw (a value or a withheld cell), and, when
    fewer than TREND_MONTHS, a sentence saying so plainly (a short history, or NULLs by rule)."""
    drawn = frame.loc[frame["value"].notna() | frame["suppressed"], "month"]
    months = sorted(drawn.unique())
    if len(months) >= TREND_MONTHS:
        return len(months), ""
    span = f"{_month_label(months[0])} to {_month_label(months[-1])}" if months else ""
    rows = frame["month"].nunique()
    why = (
        "the release holds no earlier month"
        if rows == len(months)
        else f"{rows - len(months)} month(s) of the release have no value (NULL by the column's NULL rule)"
    )
    return len(months), (
        f"Covers {len(months)} month(s), {span}, not the {TREND_MONTHS} of a full trend: {why}."
    )


def _trend_figure(
    frame: pd.DataFrame, title: str, unit: str, series_title: str, lines: list[Target], column: str
) -> Figure | str:
    """A trend's figure from its frame; a note instead when no month has anything to draw."""
    months, coverage = _coverage(frame)
    if not months:
        return (
            f"{title}: no value to draw - every cell of {column} in the {frame['month'].nunique()} "
            "month(s) of the release is NULL (see its NULL rule in the data dictionary)."
        )
    return Figure(
        title=title,
        lead=_trend_alt(frame, title, unit, series_title, lines) + (f" {coverage}" if coverage else ""),
        chart=trend_chart(frame, unit, series_title, lines),
        table=_trend_table(frame, title, unit),
        coverage=coverage,
    )


def _section(heading: str, intro: str, items: Iterable[Figure | Table | str]) -> Section:
    section = Section(heading, intro)
    for item in items:
        if isinstance(item, Figure):
            section.figures.append(item)
        elif isinstance(item, Table):
            section.tables.append(item)
        else:
            section.notes.append(item)
    return section


def _plain_table(frame: pd.DataFrame, caption: str, units: dict[str, str], marks: dict[str, str]) -> Table:
    """A table of a query's rows: units format numbers; a true flag in a `marks` column marks its row."""
    headers = [c for c in frame.columns if c not in marks]
    rows = []
    for record in frame.to_dict("records"):
        mark = next((m for column, m in marks.items() if record.get(column)), "")
        cells = []
        for column in headers:
            value = _none_if_nan(record[column])
            if column in units:
                text = format_value(value, units[column])
            elif isinstance(value, bool):
                text = "yes" if value else "no"
            elif value is None:
                text = ""
            elif isinstance(value, pd.Timestamp | date):
                text = pd.Timestamp(value).strftime("%d %b %Y")
            else:
                text = str(value)
            # The row's first cell carries the mark's symbol; the others only its background.
            cells.append(Cell(text, mark if not cells or not mark else f"{mark} row"))
        rows.append(cells)
    return Table(caption, [h.replace("_", " ") for h in headers], rows)


# ---------------------------------------------------------------------------------------------
# The domain pages


SUPPRESSED_FLAG = "_suppressed"
WITHHELD = "suppressed (1-7 or derived from it)"
# The columns of an open table that are neither figures nor their flags.
OPEN_NON_MEASURES = ("month", "missing_source_days", "is_complete")


def _unit_of(column: str) -> str:
    """How an open table's column reads: its name says it (the dbt YAML's unit, by convention)."""
    if column.endswith(("_rate", "_share")):
        return "rate"
    return "gbp" if column.endswith("_gbp") else "count"


def _open_table(reader: _Reader, table: str, series: str) -> Table | str:
    """Every figure of an open table over the trend's months, each withheld cell marked as the
    contract says (`<column>_suppressed`): the public's view, column by column."""
    columns = reader.columns.get(table, [])
    if not reader.has(table, "month", series, "is_complete", "missing_source_days"):
        return f"{table} is not in this release."
    measures = [
        c for c in columns if c not in (*OPEN_NON_MEASURES, series) and not c.endswith(SUPPRESSED_FLAG)
    ]
    flags = {c: f"{c}{SUPPRESSED_FLAG}" for c in measures if f"{c}{SUPPRESSED_FLAG}" in columns}
    window = f"month > (select max(month) from {reader.schema}.{table}) - interval {TREND_MONTHS} month"
    frame = reader.frame(
        f"select month, {series}, is_complete, missing_source_days, "
        + ", ".join([*measures, *(f"coalesce({f}, false) as {f}" for f in flags.values())])
        + f" from {reader.schema}.{table} where {window} order by month, {series}"
    )
    if frame.empty:
        return f"{table} has no rows in this release."
    rows = []
    for record in frame.to_dict("records"):
        cells = [
            _month_cell(record["month"], bool(record["is_complete"]), record["missing_source_days"]),
            Cell(str(_none_if_nan(record[series]) or "(none)")),
        ]
        for column in measures:
            if record.get(flags.get(column, ""), False):
                cells.append(Cell(WITHHELD, "suppressed"))
            else:
                cells.append(Cell(format_value(_none_if_nan(record[column]), _unit_of(column))))
        rows.append(cells)
    withheld = int(sum(frame[f].sum() for f in flags.values()))
    return Table(
        f"Every figure of {table} ({len(frame)} rows, {withheld} cell(s) withheld by small-number "
        "suppression, marked ✕)",
        ["Month", series.replace("_", " ").capitalize(), *(c.replace("_", " ") for c in measures)],
        rows,
    )


def _open_data(
    reader: _Reader, table: str, measure: str, title: str, series: str, series_title: str, targets: Any
) -> Section:
    """What the public sees: one trend of the open table and every figure of it in a table, each
    suppressed cell marked in both."""
    return _section(
        "What the public sees (open data, suppressed)",
        f"The open table {table}, published for anyone: counts of people from 1 to 7 are withheld, "
        "others rounded to 5, and a rate using a withheld count is withheld (publication contract, "
        "small-number suppression).",
        [
            trend(reader, table, measure, title, "count", series, series_title, targets=targets),
            _open_table(reader, table, series),
        ],
    )


def _contact_centre(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "kpi_csc_monthly"
    args = {"series": "service", "series_title": "Service", "targets": targets}
    monthly = _section(
        "13-month trends by service",
        "Inbound calls and CRM contacts per service (kpi_csc_monthly).",
        [
            trend(reader, table, "contacts", "CRM contacts", "count", **args),
            trend(reader, table, "calls_offered", "Calls offered", "count", **args),
            trend(reader, table, "abandonment_rate", "Abandonment rate", "rate", **args),
            trend(reader, table, "service_level_20s", "Service level (answered within 20 s)", "rate", **args),
            trend(reader, table, "avg_speed_of_answer_s", "Average speed of answer", "seconds", **args),
        ],
    )
    open_data = _open_data(reader, "open_csc_monthly", "contacts", "Contacts (open data)", **args)
    return Page(
        "contact-centre",
        "Contact centre",
        "Calls and contacts: 13-month trends and the current month day by day.",
        [_daily_contacts(reader, inputs), monthly, open_data],
    )


DAILY_TABLE = "kpi_csc_daily"
DAILY_COLUMNS = (
    "day",
    "month",
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "answered_within_20s",
    "missing_source_feeds",
    "is_complete",
)


def _daily_contacts(reader: _Reader, inputs: PackInputs) -> Section:
    """Month-to-date calls by day, every service together, from the published aggregate
    kpi_csc_daily (the pack reads no person-level table). The all-services service level is the
    mart's own numerator over its denominator, summed over services."""
    heading = "This month, day by day"
    if not reader.has(DAILY_TABLE, *DAILY_COLUMNS):
        return _section(heading, "", [f"{DAILY_TABLE} is not in this release."])
    up_to = " and day <= ?" if inputs.reporting_date else ""
    params = [inputs.reporting_date] if inputs.reporting_date else []
    month = reader.frame(
        f"select max(month) as month from {reader.schema}.{DAILY_TABLE} where calls_offered > 0{up_to}",
        params,
    )["month"].iloc[0]
    if _none_if_nan(month) is None or pd.isna(month):
        return _section(heading, "", ["No offered calls in this release."])
    frame = reader.frame(
        "select day, sum(calls_offered) as calls_offered, sum(calls_answered) as calls_answered, "
        "sum(calls_abandoned) as calls_abandoned, "
        "sum(answered_within_20s)::double / nullif(sum(calls_offered), 0) as service_level_20s, "
        "bool_and(is_complete) as complete, max(missing_source_feeds) as missing "
        f"from {reader.schema}.{DAILY_TABLE} where month = ?{up_to} group by day order by day",
        [month, *params],
    )
    label = _month_label(month)
    counts = frame.melt(
        id_vars="day", value_vars=["calls_offered", "calls_answered", "calls_abandoned"], var_name="series"
    )
    counts["series"] = counts["series"].str.replace("_", " ").str.capitalize()
    level = frame[["day", "service_level_20s"]].rename(columns={"service_level_20s": "value"})
    level = level.dropna().assign(series="Service level 20 s")
    incomplete = frame.loc[~frame["complete"].astype(bool), "day"]
    days = f"{len(frame)} day(s) from {frame['day'].min():%d %b} to {frame['day'].max():%d %b}"
    gaps = (
        f" {len(incomplete)} day(s) with a daily feed missing, marked ▲ in the table: "
        + ", ".join(f"{d:%d %b}" for d in incomplete)
        + "."
        if len(incomplete)
        else ""
    )
    table = _plain_table(
        frame.assign(
            day=pd.to_datetime(frame["day"]),
            incomplete=~frame["complete"].astype(bool),
            feeds_missing=frame["missing"],
        ).drop(columns=["complete", "missing"]),
        f"Calls by day, {label} (a day with a daily feed missing is marked incomplete)",
        {
            "calls_offered": "count",
            "calls_answered": "count",
            "calls_abandoned": "count",
            "service_level_20s": "rate",
            "feeds_missing": "count",
        },
        {"incomplete": "incomplete"},
    )
    figures = [
        Figure(
            f"Calls by day, {label}",
            f"Calls offered, answered and abandoned by day in {label} (all services), {days}. "
            f"Totals: {int(frame['calls_offered'].sum()):,} offered, {int(frame['calls_answered'].sum()):,} "
            f"answered, {int(frame['calls_abandoned'].sum()):,} abandoned.{gaps}",
            daily_chart(counts, "count", "Measure"),
            table,
        )
    ]
    if not level.empty:
        figures.append(
            Figure(
                f"Service level by day, {label}",
                f"Share of offered calls answered within 20 seconds by day in {label}, {days}; "
                f"lowest {level['value'].min():.1%}, highest {level['value'].max():.1%}.",
                daily_chart(level, "rate", "Measure"),
                _plain_table(
                    level[["day", "value"]].rename(columns={"value": "service_level_20s"}),
                    f"Service level by day, {label}",
                    {"service_level_20s": "rate"},
                    {},
                ),
            )
        )
    return _section(
        heading,
        f"Month to date ({label}, up to the reporting date), from {DAILY_TABLE}: every service's "
        "inbound calls, short abandons (under 5 s) excluded as in kpi_csc_monthly.",
        figures,
    )


def _digital(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    args = {"series": "form", "series_title": "Form", "targets": targets}
    return Page(
        "digital",
        "Digital (e-forms)",
        "Forms started and completed online.",
        [
            _section(
                "13-month trends by form",
                "kpi_digital_monthly.",
                [
                    trend(reader, "kpi_digital_monthly", "forms_started", "Forms started", "count", **args),
                    trend(
                        reader, "kpi_digital_monthly", "completion_rate", "Completion rate", "rate", **args
                    ),
                ],
            ),
            _open_data(reader, "open_digital_monthly", "forms_started", "Forms started (open data)", **args),
        ],
    )


def _workforce(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "kpi_workforce_monthly"
    args = {"series": "directorate", "series_title": "Directorate", "targets": targets}
    return Page(
        "workforce",
        "Workforce",
        "Headcount, sickness, turnover, vacancies and agency spend by directorate.",
        [
            _section(
                "13-month trends by directorate",
                "kpi_workforce_monthly (casual staff excluded).",
                [
                    trend(reader, table, "headcount", "Headcount", "count", **args),
                    trend(
                        reader,
                        table,
                        "sickness_days_per_fte_12m",
                        "Sickness days per FTE (12 months)",
                        "days",
                        **args,
                    ),
                    trend(reader, table, "turnover_rate_12m", "Turnover rate (12 months)", "rate", **args),
                    trend(reader, table, "vacancy_rate", "Vacancy rate", "rate", **args),
                    trend(reader, table, "agency_spend_gbp", "Agency spend", "gbp", **args),
                ],
            ),
            _open_data(reader, "open_workforce_monthly", "starters", "Starters (open data)", **args),
        ],
    )


def _spend(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "kpi_spend_monthly"
    items: list[Figure | Table | str] = [
        trend(
            reader,
            table,
            "spend_gbp",
            "Spend",
            "gbp",
            "directorate",
            "Directorate",
            aggregate=True,
            targets=targets,
        )
    ]
    items.append(_contract_status_trend(reader, table))
    contracts: list[Figure | Table | str]
    if reader.has("contract_pipeline", "expiring_without_successor"):
        frame = reader.frame(
            "select contract_ref, supplier_name, directorate, procurement_category, end_date, "
            "months_to_expiry "
            f"from {reader.schema}.contract_pipeline where expiring_without_successor "
            "order by end_date, contract_ref"
        )
        caption = f"Active contracts ending within 6 months with no successor: {len(frame)}"
        contracts = [_plain_table(frame, caption, {}, {})] if len(frame) else [f"{caption}."]
    else:
        contracts = ["contract_pipeline is not in this release."]
    return Page(
        "spend-and-contracts",
        "Spend and contracts",
        "Spend by directorate, how much is on contract, and contracts about to lapse.",
        [
            _section("13-month spend by directorate", "kpi_spend_monthly, all expense types.", items),
            _section(
                "Contracts expiring without a successor",
                "contract_pipeline, as of the reporting date.",
                contracts,
            ),
        ],
    )


CONTRACT_STATUSES = {
    "on_contract_gbp": "On contract",
    "off_contract_gbp": "Off contract (supplier has a contract)",
    "non_contract_gbp": "Supplier without a contract",
}


def _contract_status_trend(reader: _Reader, table: str) -> Figure | str:
    """Spend on, off and without contract, every directorate together: one series per status."""
    title = "Spend by contract status"
    if not reader.has(table, "month", "is_complete", "missing_source_days", *CONTRACT_STATUSES):
        return f"{title}: {table} is not in this release."
    window = f"month > (select max(month) from {reader.schema}.{table}) - interval {TREND_MONTHS} month"
    frame = reader.frame(
        "select month, "
        + ", ".join(f"sum({c})::double as {c}" for c in CONTRACT_STATUSES)
        + ", bool_and(is_complete) as complete, max(missing_source_days) as missing "
        f"from {reader.schema}.{table} where {window} group by month order by month"
    )
    if frame.empty:
        return f"{title}: {table} has no rows in this release."
    frame = frame.melt(
        id_vars=["month", "complete", "missing"], value_vars=list(CONTRACT_STATUSES), var_name="series"
    ).assign(series=lambda f: f["series"].map(CONTRACT_STATUSES), suppressed=False)
    return _trend_figure(frame, title, "gbp", "Contract status", [], f"{table} contract status")


def _payments(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "kpi_payment_performance_monthly"
    args = {"series": "directorate", "series_title": "Directorate", "targets": targets}
    return Page(
        "payments",
        "Payments",
        "How fast invoices are paid (Procurement Act 2023 bands).",
        [
            _section(
                "13-month trends by directorate",
                "kpi_payment_performance_monthly, by the month of payment.",
                [
                    trend(reader, table, "invoices_paid", "Invoices paid", "count", **args),
                    trend(reader, table, "avg_days_to_pay", "Average days to pay", "days", **args),
                    trend(reader, table, "pct_paid_within_30_days", "Paid within 30 days", "rate", **args),
                ],
            )
        ],
    )


def _budget(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "kpi_budget_monthly"
    items: list[Figure | Table | str] = []
    if reader.has(table, "budget_ytd_gbp", "actual_ytd_gbp", "variance_ytd_gbp"):
        frame = reader.frame(
            "select month, directorate, budget_ytd_gbp::double as budget_ytd_gbp, "
            "actual_ytd_gbp::double as actual_ytd_gbp, variance_ytd_gbp::double as variance_ytd_gbp, "
            f"is_complete, missing_source_days from {reader.schema}.{table} "
            f"where month = (select max(month) from {reader.schema}.{table}) order by directorate"
        )
        if frame.empty:
            items.append(f"{table} has no rows in this release.")
        else:
            month = frame["month"].iloc[0]
            complete = bool(frame["is_complete"].all())
            label = _month_label(month) + ("" if complete else " (incomplete month)")
            bars = frame.melt(
                id_vars="directorate", value_vars=["budget_ytd_gbp", "actual_ytd_gbp"], var_name="series"
            ).rename(columns={"directorate": "category"})
            bars["series"] = bars["series"].map(
                {"budget_ytd_gbp": "Budget YTD", "actual_ytd_gbp": "Actual YTD"}
            )
            rows = [
                [
                    Cell(str(r.directorate)),
                    Cell(format_value(r.budget_ytd_gbp, "gbp")),
                    Cell(format_value(r.actual_ytd_gbp, "gbp")),
                    Cell(format_value(r.variance_ytd_gbp, "gbp"), "alert" if r.variance_ytd_gbp > 0 else ""),
                ]
                for r in frame.itertuples()
            ]
            mark = "" if complete else "incomplete"
            rows.append(
                [
                    _month_cell(month, complete, frame["missing_source_days"].max()),
                    Cell(""),
                    Cell(""),
                    Cell(""),
                ]
            )
            rows[-1][0].mark = mark
            overspent = frame.loc[frame["variance_ytd_gbp"] > 0, "directorate"].tolist()
            items.append(
                Figure(
                    f"Budget and actual, year to date to {label}",
                    f"Bar chart: budget and actual spend year to date to {label} for {len(frame)} "
                    f"directorate(s). Over budget: {', '.join(overspent) or 'none'}.",
                    bar_chart(bars, "gbp", "Directorate", []),
                    Table(
                        f"Budget and actual year to date to {label} (a positive variance is an overspend)",
                        ["Directorate", "Budget YTD", "Actual YTD", "Variance YTD"],
                        rows,
                    ),
                )
            )
    else:
        items.append(f"{table} is not in this release.")
    items.append(
        trend(
            reader,
            table,
            "variance_gbp",
            "Monthly variance (actual - budget)",
            "gbp",
            "directorate",
            "Directorate",
        )
    )
    return Page(
        "budget",
        "Budget",
        "Budget against actual, year to date, by directorate.",
        [_section("Budget vs actual", "kpi_budget_monthly (income negative).", items)],
    )


def _care(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "care_bdu_reconciliation"
    if not reader.has(table, "status"):
        return Page(
            "care-reconciliation",
            "Care reconciliation",
            "",
            [_section("Batches", "", [f"{table} is not in this release."])],
        )
    counts = reader.frame(
        f"select status as category, 'Batches' as series, count(*)::double as value, "
        f"sum(difference_gbp)::double as difference from {reader.schema}.{table} "
        "group by status order by status"
    )
    items: list[Figure | Table | str] = []
    if counts.empty:
        items.append(f"{table} has no rows in this release.")
    else:
        summary = ", ".join(f"{r.category} {int(r.value)}" for r in counts.itertuples())
        items.append(
            Figure(
                "BDU batches by reconciliation status",
                f"Bar chart of care payment batches by status: {summary}.",
                bar_chart(counts[["category", "series", "value"]], "count", "Status", []),
                Table(
                    "Batches by status",
                    ["Status", "Batches", "Difference (care - SAP)"],
                    [
                        [
                            Cell(str(r.category), "" if r.category == "matched" else "alert"),
                            Cell(format_value(r.value, "count")),
                            Cell(format_value(r.difference, "gbp")),
                        ]
                        for r in counts.itertuples()
                    ],
                ),
            )
        )
        unmatched = reader.frame(
            "select bdu_batch_id, status, care_total_gbp::double as care_total_gbp, "
            "sap_total_gbp::double as sap_total_gbp, difference_gbp::double as difference_gbp "
            f"from {reader.schema}.{table} where status <> 'matched' order by bdu_batch_id"
        )
        money = {c: "gbp" for c in ("care_total_gbp", "sap_total_gbp", "difference_gbp")}
        caption = f"Batches not matched in SAP: {len(unmatched)}"
        items.append(_plain_table(unmatched, caption, money, {}) if len(unmatched) else f"{caption}.")
    return Page(
        "care-reconciliation",
        "Care reconciliation",
        "Care payment batches (BDU) against the SAP postings that should carry them.",
        [_section("Batches", "care_bdu_reconciliation.", items)],
    )


def _benefits(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    table = "benefits_realisation"
    if not reader.has(table, "rag", "rag_mismatch"):
        return Page(
            "benefits",
            "Benefits realisation",
            "",
            [_section("Tracker", "", [f"{table} is not in this release."])],
        )
    frame = reader.frame(
        "select financial_year, workstream, planned_savings_gbp::double as planned_savings_gbp, "
        "delivered_savings_gbp::double as delivered_savings_gbp, variance_gbp::double as variance_gbp, "
        f"rag, rag_mismatch from {reader.schema}.{table} order by financial_year, workstream"
    )
    items: list[Figure | Table | str] = []
    if frame.empty:
        items.append(f"{table} has no rows in this release.")
    else:
        year = frame["financial_year"].max()
        latest = frame[frame["financial_year"] == year]
        share = latest.assign(
            category=latest["workstream"],
            series="Delivered share of plan",
            value=latest["delivered_savings_gbp"]
            / latest["planned_savings_gbp"].where(latest["planned_savings_gbp"] != 0),
        ).dropna(subset=["value"])
        lines = targets.get((table, "delivered_share_of_plan"), [])
        mismatches = int(frame["rag_mismatch"].sum())
        if not share.empty:
            text = ", ".join(f"{r.workstream} {r.value:.0%} ({r.rag})" for r in share.itertuples())
            items.append(
                Figure(
                    f"Savings delivered as a share of plan, {year}",
                    f"Bar chart per workstream, {year}: {text}. "
                    + " ".join(f"Dashed line: {t.label} ({t.source})." for t in lines),
                    bar_chart(share[["category", "series", "value"]], "rate", "Workstream", lines),
                    _plain_table(
                        share[
                            ["workstream", "planned_savings_gbp", "delivered_savings_gbp", "value", "rag"]
                        ].rename(columns={"value": "delivered_share_of_plan"}),
                        f"Data of the chart: savings delivered as a share of plan, {year}",
                        {
                            "planned_savings_gbp": "gbp",
                            "delivered_savings_gbp": "gbp",
                            "delivered_share_of_plan": "rate",
                        },
                        {},
                    ),
                )
            )
        trust = frame.assign(
            trust_check=frame["rag_mismatch"].map({True: "tracker's own RAG differs", False: "agrees"})
        )
        items.append(
            _plain_table(
                trust,
                f"RAG trust check: {mismatches} row(s) where the tracker's reported RAG differs from the "
                "RAG computed from its figures (marked)",
                {"planned_savings_gbp": "gbp", "delivered_savings_gbp": "gbp", "variance_gbp": "gbp"},
                {"rag_mismatch": "alert"},
            )
        )
    return Page(
        "benefits",
        "Benefits realisation",
        "Transformation savings against plan, and whether the tracker's RAG can be trusted.",
        [
            _section(
                "Savings and the RAG trust check",
                "benefits_realisation: RAG computed as G from 95% of plan delivered, A from 75%, R below.",
                items,
            )
        ],
    )


FORECAST = "csc_demand_forecast"
STAFFING = "csc_staffing_requirement"
ACCURACY = "csc_forecast_accuracy"
ACTUAL_WEEKS = 8  # weeks of actual calls drawn before the forecast


def _forecast_vs_actual(reader: _Reader) -> Figure | str:
    """Offered calls per day, every queue together: the last weeks' actuals (kpi_csc_daily) and the
    night's daily forecast (csc_demand_forecast) on one time axis."""
    title = "Offered calls per day: actual and forecast"
    if not reader.has(FORECAST, "granularity", "measure", "forecast_date", "forecast", "forecast_origin"):
        return f"{title}: {FORECAST} is not in this release."
    forecast = reader.frame(
        "select forecast_date as day, 'Forecast' as series, sum(forecast)::double as value "
        f"from {reader.schema}.{FORECAST} where granularity = 'day' and measure = 'calls' "
        "group by forecast_date order by day"
    )
    actual = pd.DataFrame(columns=["day", "series", "value"])
    if reader.has(DAILY_TABLE, "day", "calls_offered"):
        actual = reader.frame(
            "select day, 'Actual' as series, sum(calls_offered)::double as value "
            f"from {reader.schema}.{DAILY_TABLE} where day > (select max(day) "
            f"from {reader.schema}.{DAILY_TABLE}) - interval {ACTUAL_WEEKS * 7} day group by day order by day"
        )
    if forecast.empty:
        return f"{title}: {FORECAST} has no daily call forecast in this release (too little history)."
    frame = pd.concat([actual, forecast], ignore_index=True)
    frame["day"] = pd.to_datetime(frame["day"])
    wide = frame.pivot_table(index="day", columns="series", values="value", aggfunc="sum").reset_index()
    wide.columns.name = None
    first, last = forecast["day"].min(), forecast["day"].max()
    return Figure(
        title,
        f"Line chart of offered calls per day, all queues: actual for the last {ACTUAL_WEEKS} weeks "
        f"({len(actual)} day(s), from kpi_csc_daily), forecast from {first:%d %b %Y} to {last:%d %b %Y} "
        f"({len(forecast)} day(s), {int(forecast['value'].sum()):,} calls in all). The forecast's 80% "
        "prediction intervals are per queue (bi.csc_demand_forecast) and are not added up here.",
        daily_chart(frame, "count", "Calls"),
        _plain_table(
            wide,
            f"Data of the chart: {title.lower()}",
            {c: "count" for c in ("Actual", "Forecast") if c in wide.columns},
            {},
        ),
    )


def _half_hourly_calls(reader: _Reader) -> Figure | str:
    """The calls forecast per half-hour for the next two weeks (the calls Erlang C staffs), every
    queue together as the staffing chart draws them; the table splits each day by queue."""
    title = "Forecast calls per half-hour, next two weeks"
    if not reader.has(STAFFING, "interval_start", "service", "forecast_calls"):
        return f"{title}: {STAFFING} is not in this release."
    halves = reader.frame(
        "select interval_start, service, forecast_calls::double as forecast_calls "
        f"from {reader.schema}.{STAFFING} order by interval_start, service"
    )
    if halves.empty:
        return f"{title}: {STAFFING} has no rows in this release."
    line = halves.groupby("interval_start", as_index=False)["forecast_calls"].sum()
    line = line.rename(columns={"interval_start": "day", "forecast_calls": "value"}).assign(
        series="Forecast calls"
    )
    halves["day"] = pd.to_datetime(halves["interval_start"]).dt.normalize()
    by_day = halves.pivot_table(
        index="day", columns="service", values="forecast_calls", aggfunc="sum", fill_value=0.0
    )
    queues = [str(c) for c in by_day.columns]
    by_day["all_queues"] = by_day.sum(axis=1)
    by_day = by_day.reset_index()
    by_day.columns = [str(c) for c in by_day.columns]
    busiest = line.loc[line["value"].idxmax()]
    first, last = pd.Timestamp(line["day"].min()), pd.Timestamp(line["day"].max())
    return Figure(
        title,
        f"Line chart of the calls forecast per half-hour, all queues added up, {first:%d %b %Y %H:%M} "
        f"to {last:%d %b %Y %H:%M} ({int(round(line['value'].sum())):,} calls in all); the busiest "
        f"half-hour: {pd.Timestamp(busiest['day']):%d %b %Y %H:%M}, {busiest['value']:,.1f} calls.",
        daily_chart(line, "count", "Series", points=False),
        _plain_table(
            by_day,
            "By day and queue: the forecast calls (the chart's half-hours summed)",
            {column: "count" for column in [*queues, "all_queues"]},
            {},
        ),
    )


def _staffing(reader: _Reader) -> Figure | str:
    """Agents and staff needed per half-hour for the next two weeks, every queue together."""
    title = "Agents and staff needed per half-hour, next two weeks"
    if not reader.has(STAFFING, "interval_start", "forecast_calls", "agents_required", "staff_required"):
        return f"{title}: {STAFFING} is not in this release."
    halves = reader.frame(
        "select interval_start, sum(forecast_calls)::double as forecast_calls, "
        "sum(agents_required)::double as agents_required, sum(staff_required)::double as staff_required "
        f"from {reader.schema}.{STAFFING} group by interval_start order by interval_start"
    )
    if halves.empty:
        return f"{title}: {STAFFING} has no rows in this release."
    lines = halves.melt(
        id_vars="interval_start", value_vars=["agents_required", "staff_required"], var_name="series"
    ).rename(columns={"interval_start": "day"})
    lines["series"] = lines["series"].map(
        {"agents_required": "Agents (Erlang C)", "staff_required": "Staff (after shrinkage)"}
    )
    halves["date"] = pd.to_datetime(halves["interval_start"]).dt.normalize()
    peak = halves.loc[halves.groupby("date")["staff_required"].idxmax()]
    by_day = (
        halves.groupby("date", as_index=False)["forecast_calls"]
        .sum()
        .merge(peak[["date", "interval_start", "agents_required", "staff_required"]], on="date")
    )
    by_day = by_day.rename(
        columns={
            "date": "day",
            "interval_start": "busiest_half_hour",
            "agents_required": "agents_at_peak",
            "staff_required": "staff_at_peak",
        }
    )
    by_day["busiest_half_hour"] = pd.to_datetime(by_day["busiest_half_hour"]).dt.strftime("%H:%M")
    return Figure(
        title,
        f"Line chart of agents and staff needed per half-hour, all queues staffed separately and added "
        f"up, {pd.Timestamp(halves['interval_start'].min()):%d %b %Y %H:%M} to "
        f"{pd.Timestamp(halves['interval_start'].max()):%d %b %Y %H:%M}; the most staff in one "
        f"half-hour: {int(halves['staff_required'].max()):,}.",
        daily_chart(lines, "count", "Need", points=False),
        _plain_table(
            by_day,
            "By day: forecast calls and the busiest half-hour's agents and staff (the chart's "
            "half-hours summed and at their peak)",
            {"forecast_calls": "count", "agents_at_peak": "count", "staff_at_peak": "count"},
            {},
        ),
    )


def _accuracy(reader: _Reader) -> Figure | Table | str:
    """How good the forecast has been, per queue: the model's MASE beside the baseline's."""
    title = "Forecast accuracy of daily offered calls (MASE; below the baseline is better)"
    columns = ("granularity", "evaluation", "measure", "service", "model", "mase", "baseline_mase")
    if not reader.has(ACCURACY, *columns, "mape", "is_worse_than_baseline"):
        return f"{ACCURACY} is not in this release."
    frame = reader.frame(
        "select evaluation, service, model, mape, mase, baseline_mape, baseline_mase, "
        f"is_worse_than_baseline from {reader.schema}.{ACCURACY} "
        "where granularity = 'day' and measure = 'calls' order by evaluation, service"
    )
    if frame.empty:
        return f"{ACCURACY} has no rows for daily calls in this release."
    worse = int(frame["is_worse_than_baseline"].fillna(False).sum())
    table = _plain_table(
        frame,
        f"Accuracy by queue and evaluation: {worse} row(s) where the forecast did worse than the "
        "seasonal-naive baseline (marked)",
        {"mape": "rate", "mase": "number", "baseline_mape": "rate", "baseline_mase": "number"},
        {"is_worse_than_baseline": "alert"},
    )
    chosen = "backtest" if (frame["evaluation"] == "backtest").any() else "last_week"
    drawn = frame[frame["evaluation"] == chosen]
    bars = drawn.melt(id_vars="service", value_vars=["mase", "baseline_mase"], var_name="series")
    bars = bars.dropna(subset=["value"]).rename(columns={"service": "category"})
    if bars.empty:
        return table
    bars["series"] = bars["series"].map({"mase": "Forecast", "baseline_mase": "Seasonal-naive baseline"})
    # Only the queues drawn (the chosen evaluation) are named: the table holds every evaluation.
    worse_drawn = drawn.loc[drawn["is_worse_than_baseline"].fillna(False).astype(bool), "service"]
    return Figure(
        f"{title}, {chosen.replace('_', ' ')}",
        f"Bar chart per queue of the mean absolute scaled error of the forecast and of the "
        f"seasonal-naive baseline ({chosen.replace('_', ' ')}); queues where the forecast did worse "
        f"than the baseline: {', '.join(sorted(worse_drawn.astype(str))) or 'none'}.",
        bar_chart(bars, "number", "Queue", []),
        table,
    )


def _forecast(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    return Page(
        "forecast",
        "Contact-centre forecast",
        "Expected calls, the staff they need, and how good the forecast has been (docs/forecast.md).",
        [
            _section(
                "Forecast against actual",
                "csc_demand_forecast (daily, every queue) after kpi_csc_daily's offered calls.",
                [_forecast_vs_actual(reader)],
            ),
            _section(
                "Staffing requirement",
                "csc_staffing_requirement: the half-hourly forecast calls, then Erlang C on them for the "
                "service-level target, then shrinkage.",
                [_half_hourly_calls(reader), _staffing(reader)],
            ),
            _section("Forecast accuracy", "csc_forecast_accuracy.", [_accuracy(reader)]),
        ],
    )


def _check_state(check: dict[str, Any]) -> str:
    if check.get("passed") is None:
        return "not evaluated"
    if not check["passed"]:
        return "failed"
    if check.get("on_published_content") is False:
        return "passed on other content"
    return "passed"


def _refused_files(reader: _Reader) -> pd.DataFrame | None:
    """Files whose latest version was refused whole (quarantined), counted per feed, reason (the
    check that refused it; never its message, which may quote a value) and whether an earlier
    version of the name stays loaded (is_loaded_version: the refused update replaced nothing, so
    that version's rows are in the release); None when the release has no data_quality_summary to
    tell. A refused file with no loaded version has its rows in no table of the release."""
    columns = ("feed_path", "file_name", "is_latest_version", "is_loaded_version", "check_name", "status")
    if not reader.has("data_quality_summary", *columns):
        return None
    return reader.frame(
        f"with summary as (select * from {reader.schema}.data_quality_summary), "
        "refused as (select feed_path, file_name, check_name from summary "
        "where status = 'file_quarantined' and is_latest_version), "
        "kept as (select distinct feed_path, file_name from summary where is_loaded_version) "
        "select r.feed_path as feed, r.check_name as reason, "
        "k.file_name is not null as earlier_version_kept, "
        "count(distinct r.file_name) as files, k.file_name is null as not_in_release "
        "from refused r left join kept k using (feed_path, file_name) "
        "group by all order by feed, reason, earlier_version_kept"
    )


def _refused_sentence(refused: pd.DataFrame | None, missing: list[Any]) -> str:
    """Whether the release holds every delivered file: a refused file with no loaded version is never
    called complete; a refused update is told apart, as its earlier version stays in the release."""
    if refused is None:
        return "Refused files are not known: data_quality_summary is not in this release."
    if refused.empty:
        return (
            "No file was refused." if missing else "No file was refused: every delivery is in this release."
        )
    lost = int(refused.loc[refused["not_in_release"], "files"].sum())
    kept = int(refused.loc[~refused["not_in_release"], "files"].sum())
    sentences = []
    if lost:
        sentences.append(
            f"{lost} file(s) were refused (quarantined) and no version of them loaded: their rows are "
            "not in this release, so it is not complete for those files' feeds and days."
        )
    if kept:
        sentences.append(
            f"{kept} re-delivered file(s) were refused (quarantined): the version loaded before stays in "
            "this release, without the refused re-delivery's changes."
        )
    return " ".join(sentences)


def _data_quality(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    checks = pd.DataFrame(
        [
            {
                "asset": str(c.get("asset", "")),
                "check": c.get("check", ""),
                "blocking": bool(c.get("blocking")),
                "outcome": _check_state(c),
            }
            for c in inputs.checks
        ],
        columns=["asset", "check", "blocking", "outcome"],
    )
    items: list[Figure | Table | str] = []
    if checks.empty:
        items.append("No checks are recorded for this release.")
    else:
        # bi/<table>: the published tables (bound to their content); others: feeds and their freshness.
        checks["of"] = checks["asset"].map(
            lambda a: "published table" if a.startswith(f"{reader.schema}/") else "source feed"
        )
        summary = checks.groupby(["of", "outcome", "blocking"]).size().reset_index(name="checks")
        summary["blocking"] = summary["blocking"].map({True: "blocking", False: "warning"})
        items.append(
            _plain_table(summary, f"Checks recorded for this release: {len(checks)}", {"checks": "count"}, {})
        )
        problems = checks[checks["outcome"] != "passed"].assign(problem=True)
        if problems.empty:
            items.append("Every check passed, on exactly the content published where it judged a table.")
        else:
            items.append(
                _plain_table(
                    problems[["asset", "check", "blocking", "outcome", "problem"]],
                    f"Checks that did not pass: {len(problems)}",
                    {},
                    {"problem": "alert"},
                )
            )
    missing = inputs.completeness.get("missing") or []
    feeds = inputs.completeness.get("daily_feeds") or []
    refused = _refused_files(reader)
    completeness: list[Figure | Table | str] = [
        f"Daily feeds judged: {', '.join(feeds) or 'none'}. "
        + (
            f"{len(missing)} feed-day(s) missing up to the reporting date."
            if missing
            else "No feed-day is missing."
        )
        + " "
        + _refused_sentence(refused, missing)
    ]
    if refused is not None and not refused.empty:
        completeness.append(
            _plain_table(
                refused,
                "Files whose latest version was refused (quarantined), by feed, reason and whether an "
                "earlier loaded version stays in this release",
                {"files": "count"},
                {"not_in_release": "alert"},
            )
        )
    if missing:
        completeness.append(
            _plain_table(
                pd.DataFrame([m if isinstance(m, dict) else {"missing": m} for m in missing]).assign(
                    gap=True
                ),
                "Missing deliveries",
                {},
                {"gap": "alert"},
            )
        )
    files: list[Figure | Table | str] = [f"Source files that fed this release: {len(inputs.source_files)}."]
    summary = ("feed_path", "status", "file_name", "rows_quarantined", "is_loaded_version")
    if reader.has("data_quality_summary", *summary):
        by_feed = reader.frame(
            "select feed_path as category, status as series, "
            "count(distinct file_name || '#' || file_version)::double "
            f"as value from {reader.schema}.data_quality_summary where check_name <> 'row_conservation' "
            "group by all order by category, series"
        )
        totals = reader.frame(
            # One row per file version: the summary has a row per check, each with that check's own
            # quarantined rows; the file's total is the largest (row_conservation's row: in = loaded
            # + quarantined).
            "with files as (select feed_path, file_name, file_version, max(rows_in) as rows_in, "
            "max(rows_loaded) as rows_loaded, max(rows_quarantined) as rows_quarantined "
            f"from {reader.schema}.data_quality_summary where is_loaded_version group by all) "
            "select feed_path as feed, count(*) as files, sum(rows_in) as rows_in, "
            "sum(rows_loaded) as rows_loaded, "
            "sum(rows_quarantined) as rows_quarantined, sum(rows_quarantined) > 0 as has_quarantine "
            "from files group by feed_path order by feed_path"
        )
        if not by_feed.empty:
            text = "; ".join(
                f"{feed}: " + ", ".join(f"{int(r.value)} {r.series}" for r in group.itertuples())
                for feed, group in by_feed.groupby("category")
            )
            files.append(
                Figure(
                    "Source files by feed and outcome",
                    f"Bar chart of file versions per feed by the outcome of their checks: {text}.",
                    bar_chart(by_feed, "count", "Feed", []),
                    _plain_table(
                        totals,
                        "Rows per feed (the loaded version of each file: the one in this release; "
                        "rows quarantined marked)",
                        {
                            "files": "count",
                            "rows_in": "count",
                            "rows_loaded": "count",
                            "rows_quarantined": "count",
                        },
                        {"has_quarantine": "alert"},
                    ),
                )
            )
    return Page(
        "data-quality",
        "Data quality",
        "The checks this release passed, missing deliveries and what each feed delivered.",
        [
            _section(
                "Checks", "Every check declared on the published tables, with its latest evaluation.", items
            ),
            _section(
                "Completeness",
                "Every daily feed must deliver each day up to the reporting date.",
                completeness,
            ),
            _section("Source files", "data_quality_summary.", files),
        ],
    )


def _restatements(reader: _Reader, inputs: PackInputs, targets: Any) -> Page:
    if not reader.has(RESTATEMENTS_TABLE):
        body = ["No restatements since the previous release."]
    else:
        frame = reader.frame(f"select * from {reader.schema}.{RESTATEMENTS_TABLE}")
        numbers = {c: "number" for c in ("old_value", "new_value", "delta") if c in frame.columns}
        body = (
            [_plain_table(frame, f"KPI cells of closed months that changed: {len(frame)}", numbers, {})]
            if len(frame)
            else ["No restatements since the previous release."]
        )
    return Page(
        "restatements",
        "Restatements",
        "KPI cells of closed months whose value changed since the previous release, and why.",
        [_section("Changed cells", "bi.restatements.", body)],
    )


def _dictionary(release: Release) -> Page:
    if not release.dictionary.exists():
        body: list[Figure | Table | str] = ["This release has no dictionary.csv."]
    else:
        with release.dictionary.open(encoding="utf-8", newline="") as source:
            frame = pd.DataFrame(list(csv.DictReader(source)))
        body = [
            _plain_table(
                frame[[c for c in frame.columns if c != "table_description"]], "Every column", {}, {}
            )
        ]
        tables = frame[["table", "table_description", "audience"]].drop_duplicates("table")
        body.insert(0, _plain_table(tables, "Every table", {}, {}))
    return Page(
        "dictionary",
        "Data dictionary",
        "Every published table and column with its type and description.",
        [_section("Tables and columns", "From the release's dictionary.csv.", body)],
    )


DOMAIN_PAGES: tuple[Callable[[_Reader, PackInputs, Any], Page], ...] = (
    _contact_centre,
    _forecast,
    _digital,
    _workforce,
    _spend,
    _payments,
    _budget,
    _care,
    _benefits,
    _data_quality,
    _restatements,
)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_pack(
    release: Release,
    inputs: PackInputs,
    schema: str = "bi",
    targets_file: Path = TARGETS_FILE,
    out: Path | None = None,
) -> list[Path]:
    """Write the pack into `release` (the internal set's folder; `out` instead, e.g. for the bench
    on a release already built and read-only) from the release's own internal DuckDB file.

    Returns the files written. The restricted set is never opened: every figure of the pack is a
    published aggregate (the daily contact-centre figures are kpi_csc_daily's)."""
    targets = load_targets(targets_file)
    if not release.database.exists():
        raise PackError(f"{release.database}: the release has no DuckDB file to build the pack from")
    con = duckdb.connect(str(release.database), read_only=True)
    try:
        reader = _Reader(con, schema)
        pages = [page(reader, inputs, targets) for page in DOMAIN_PAGES]
    finally:
        con.close()
    pages.append(_dictionary(release))
    return write_pages(out or release.pack, pages, inputs)


def write_pages(folder: Path, pages: list[Page], inputs: PackInputs) -> list[Path]:
    """Render the index and every page into `folder`."""
    environment = _environment()
    folder.mkdir(parents=True, exist_ok=True)
    common = {
        "pages": pages,
        "release_id": inputs.release_id,
        "reporting_date": inputs.reporting_date.strftime("%d %b %Y") if inputs.reporting_date else "unknown",
        "marks": {"complete": COMPLETE, "incomplete": INCOMPLETE, "suppressed": SUPPRESSED},
    }
    written = []
    index = Page("index", "KPI pack", "")
    for page in [index, *pages]:
        template = environment.get_template("index.html.j2" if page is index else "page.html.j2")
        path = folder / page.file
        path.write_text(template.render(page=page, **common), encoding="utf-8")
        written.append(path)
    return written
