"""The gate's generic rules, defined once and applied to every published table.

Declarative rules of a table (grain, not null, accepted values, relationships, bounds, consistency
between columns) live in the dbt YAML beside its model and reach Dagster as dbt tests. What dbt
does not do well is here, the same for every table:

- change against the previous release: no sudden drop in rows (`row_count.max_drop`);
- personal data: no value shaped like a direct identifier, no value the restricted data holds,
  and no column named like an identifier holding values (expectations/personal_data.py);
- completeness: every daily feed delivered up to the reporting date (feed_completeness_suite).

DuckDB profiles a table (row count, per column its personal-data findings); Great Expectations
judges the profile and renders it in the run's Data Docs. A profile holds names and counts only.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pandas as pd

from expectations.personal_data import scan_table
from expectations.runner import row_count_bounded, row_count_floor, statutory_personal_data

# A column whose name says it holds a direct identifier (optionally prefixed, e.g. customer_email)
# must be empty, whatever its values look like.
PERSONAL_COLUMN_NAME = re.compile(
    r"^(?:(?:customer|person|resident|caller|staff|employee)_(?:title|number)|"
    r"(?:(?:customer|person|resident|staff|employee)_)?(?:first_name|middle_name|last_name|surname|"
    r"forename|full_name|email|email_address|phone|phone_number|telephone|mobile|dob|date_of_birth|"
    r"birth_date|nhs_number|ni_number|national_insurance_number|address|address_line\d|postcode|uprn|"
    r"pernr|perid|gbdat|nachn|vorna))$"
)
NAMED_LIKE_IDENTIFIER = "values in a column named like an identifier"


def table_profile(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, key: bytes
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """One row per column of `schema.table`: the table's rows, how many distinct values of the column
    hold personal data and of which kinds; and the findings as a list for check metadata. Two
    columns for GX to judge, not one per kind: GX's cost grows with each expectation it evaluates.
    Known values must be loaded (personal_data.load_known_values)."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, table],
    ).fetchall()
    relation = f'{schema}."{table}"'
    named = [name for name, _ in columns if PERSONAL_COLUMN_NAME.match(name.lower())]
    counts = ", ".join(["count(*)", *(f'count("{name}")' for name in named)])
    rows, *named_values = con.execute(f"select {counts} from {relation}").fetchone()
    text_columns = [name for name, data_type in columns if data_type == "VARCHAR"]
    allowed = statutory_personal_data(table)
    findings = [
        (f.column, f.kind, f.values)
        for f in scan_table(con, relation, text_columns, key)
        if f.kind not in allowed.get(f.column, set())
    ]
    findings += [(name, NAMED_LIKE_IDENTIFIER, n) for name, n in zip(named, named_values, strict=True) if n]
    found: dict[str, list[tuple[str, int]]] = {}
    for column, kind, n in findings:
        found.setdefault(column, []).append((kind, n))
    profile = pd.DataFrame(
        [
            {
                "column_name": name,
                "data_type": data_type,
                "table_rows": rows,
                "personal_data_values": sum(n for _, n in found.get(name, [])),
                "personal_data_kinds": "; ".join(kind for kind, _ in found.get(name, [])),
            }
            for name, data_type in columns
        ]
    )
    listed = [{"column": column, "finding": kind, "distinct_values": n} for column, kind, n in findings]
    return profile, listed


def published_table_suite(table: str, previous_rows: int | None) -> Any:
    """The gx.ExpectationSuite every published table's profile meets (GX imported only when run)."""
    import great_expectations as gx

    e = gx.expectations
    expectations = []
    if row_count_bounded(table) and (floor := row_count_floor(previous_rows)) is not None:
        expectations.append(e.ExpectColumnValuesToBeBetween(column="table_rows", min_value=floor))
    expectations.append(
        e.ExpectColumnValuesToBeBetween(column="personal_data_values", min_value=0, max_value=0)
    )
    return gx.ExpectationSuite(name=table, expectations=expectations)


def feed_completeness_suite() -> Any:
    """Every daily feed delivered up to the release's reporting date: one row per feed and day, and
    no day without a file (a refused file did arrive; its rejection report says what is wrong)."""
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name="feed_completeness",
        expectations=[
            e.ExpectCompoundColumnsToBeUnique(column_list=["table_name", "day"]),
            e.ExpectColumnValuesToBeInSet(
                column="status", value_set=["loaded", "loaded_with_quarantine", "quarantined"]
            ),
        ],
    )


NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE")


def closed_month_shifts(
    con: duckdb.DuckDBPyConnection, table: str, previous_db: str, previous_reporting: str
) -> pd.DataFrame:
    """One row per KPI column of `bi.table` (a KPI mart, with a `month`): how many of its cells in
    months closed at the previous release (ending before its reporting date) changed since, and how
    many of those months' rows appeared or disappeared. The grain is the text and date columns the
    two releases share; the previous release is attached read-only (`previous_db`, already
    attached). Counts only, no values."""

    def columns(database: str) -> dict[str, str]:
        return dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = ? and schema_name = 'bi' and table_name = ?",
                [database, table],
            ).fetchall()
        )

    now, before = columns(con.execute("select current_database()").fetchone()[0]), columns(previous_db)
    shared = [c for c in now if c in before]
    grain = [c for c in shared if now[c] in ("VARCHAR", "DATE") and before[c] == now[c]]
    kpis = [c for c in shared if now[c].startswith(NUMERIC + ("DECIMAL",)) and c not in grain]
    if "month" not in grain or not kpis:
        return pd.DataFrame({"column_name": [], "changed_cells": [], "rows_appeared_or_gone": []})
    on = " and ".join(f'n."{c}" is not distinct from p."{c}"' for c in grain)
    changed = ", ".join(
        f"count(*) filter (where n.month is not null and p.month is not null and "
        f'(n."{c}" is distinct from p."{c}") and coalesce(abs(n."{c}" - p."{c}") > 1e-9 '
        f'* greatest(1, abs(p."{c}")), true)) as "{c}"'
        for c in kpis
    )
    row = con.execute(
        f"""
        select count(*) filter (where n.month is null or p.month is null), {changed}
        from (select * from bi."{table}" where month < date_trunc('month', $reporting::date)) n
        full join (select * from {previous_db}.bi."{table}"
                   where month < date_trunc('month', $reporting::date)) p on {on}
        """,
        {"reporting": previous_reporting},
    ).fetchone()
    gone, *cells = row
    return pd.DataFrame({"column_name": kpis, "changed_cells": cells, "rows_appeared_or_gone": gone})


def closed_month_suite(table: str) -> Any:
    """KPI values of closed months are not restated silently (policy `closed_month_shifts`)."""
    import great_expectations as gx

    e = gx.expectations
    return gx.ExpectationSuite(
        name=f"closed_months_{table}",
        expectations=[
            e.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0)
            for c in ("changed_cells", "rows_appeared_or_gone")
        ],
    )
