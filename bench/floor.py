"""The floor: the same work as plain DuckDB over the same landing files, with no orchestration.

No Dagster, no dbt, no Great Expectations, no contract checks, no quarantine, no bookkeeping:
- ingestion: every feed's files read by DuckDB in one statement per feed (IBC files decoded from
  Windows-1252 first, trailer dropped), cast to the raw tables' types;
- transformation: the KPI marts computed by the independent recomputation SQL of
  tests/integration/kpi/recompute.py (plain SQL written from the KPI dictionary);
- identity: Splink run directly with the project's settings on the same person records;
- publish: every mart copied to a DuckDB file and to Parquet.
Each stage is timed on its own; bench/run.py divides the pipeline's stage times by these.
"""

from __future__ import annotations

import codecs
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "kpi"))

from ingestion import FEEDS, register  # noqa: E402
from ingestion.contract import FeedSpec  # noqa: E402
from ingestion.layout import Layout  # noqa: E402
from ingestion.loader import SQL_TYPES  # noqa: E402

# No validation: a value that does not cast is NULL (the pipeline would quarantine its row).
CASTS = {
    "sap_date": "try_strptime({v}, '%Y%m%d')::date",
    "uk_date": "try_strptime({v}, '%d/%m/%Y')::date",
    "iso_date": "try_cast({v} as date)",
    "local_timestamp": "try_cast({v} as timestamp)",
    "utc_timestamp": "try_strptime({v}, '%Y-%m-%dT%H:%M:%SZ')",
}


def _decoded_sap_files(files: list[Path], tmp: Path) -> list[str]:
    """Windows-1252 to UTF-8, without the trailer line (DuckDB cannot decode 1252 here)."""
    out = []
    for path in files:
        text = codecs.decode(path.read_bytes(), "cp1252", errors="replace")
        body = text[: text.rstrip("\r\n").rfind("\n") + 1]
        target = Layout.decoded(tmp, path.name)
        target.write_text(body, encoding="utf-8")
        out.append(str(target))
    return out


def _select(spec: FeedSpec, relation: str) -> str:
    columns = []
    for col in spec.columns:
        v = f"nullif(\"{col.name}\"::varchar, '')"
        cast = CASTS.get(col.type, f"try_cast({v} as {SQL_TYPES[col.type]})").format(v=v)
        columns.append(f'{cast} as "{col.name}"')
    return (
        f"select {', '.join(columns)}, parse_filename(filename) as _source_file, "
        f"row_number() over ()::integer as _row_number from {relation}"
    )


def load_feed(con: duckdb.DuckDBPyConnection, spec: FeedSpec, landing: Path, tmp: Path) -> int:
    folder = landing / spec.feed_path
    files = sorted(p for p in folder.glob(f"{spec.file_prefix}*{spec.extension}") if p.stat().st_size)
    files = [p for p in files if spec.file_date(p.name) is not None]
    if not files:
        return 0
    names = [str(p) for p in files]
    if spec.format == "sap":
        relation = (
            f"read_csv({_decoded_sap_files(files, tmp)}, delim='|', quote='', header=true, all_varchar=true, "
            "union_by_name=true, filename=true, ignore_errors=true)"
        )
    elif spec.format == "csv":
        relation = (
            f"read_csv({names}, header=true, all_varchar=true, union_by_name=true, filename=true, "
            "ignore_errors=true)"
        )
    elif spec.format == "jsonl":
        fields = ", ".join(f"'{c.name}': 'VARCHAR'" for c in spec.columns)
        relation = (
            f"read_json({names}, format='newline_delimited', columns={{{fields}}}, filename=true, "
            "ignore_errors=true)"
        )
    else:
        import openpyxl
        import pandas as pd

        frames = []
        for path in files:
            rows = list(openpyxl.load_workbook(path, read_only=True)["Benefits"].iter_rows(values_only=True))
            header_at = next(i for i, r in enumerate(rows) if r and "workstream" in r)
            df = pd.DataFrame(rows[header_at + 1 :], columns=rows[header_at]).astype("string")
            df = df[df["workstream"].notna() & (df["workstream"] != "Total")]
            df["filename"] = str(path)
            frames.append(df)
        con.register("xlsx_rows", pd.concat(frames))
        relation = "xlsx_rows"
    con.execute(f"create or replace table raw.{spec.table} as {_select(spec, relation)}")
    register.record(
        con,
        [
            register.FileRow(
                feed_path=spec.feed_path,
                table_name=spec.table,
                file_name=p.name,
                file_date=spec.file_date(p.name),
                version=1,
                status="loaded",
            )
            for p in files
        ],
        [],
    )
    return con.execute(f"select count(*) from raw.{spec.table}").fetchall()[0][0]


def run_floor(landing: Path, work: Path, identity_records=None) -> dict:
    """Time each stage of the floor over `landing`; returns seconds per stage and row counts."""
    from recompute import MARTS, recomputed

    shutil.rmtree(work, ignore_errors=True)
    scratch = Layout(work).tmp
    scratch.mkdir(parents=True)
    con = duckdb.connect(str(work / "floor.duckdb"))
    con.execute("create schema raw; create schema bi")
    register.create(con)
    stages: dict[str, float] = {}

    started = time.perf_counter()
    rows = {spec.table: load_feed(con, spec, landing, scratch) for spec in FEEDS}
    stages["ingestion"] = time.perf_counter() - started

    started = time.perf_counter()
    for mart in MARTS:
        con.execute(f"create table bi.{mart} as {recomputed(con, mart)}")
    stages["transformation"] = time.perf_counter() - started

    if identity_records is not None:
        started = time.perf_counter()
        identity_records(con)
        stages["identity"] = time.perf_counter() - started

    started = time.perf_counter()
    (work / "release" / "parquet").mkdir(parents=True)
    con.execute(f"attach '{work / 'release' / 'floor.duckdb'}' as rel (storage_version 'v1.1.0')")
    con.execute("create schema rel.bi")
    for mart in MARTS:
        con.execute(f"create table rel.bi.{mart} as select * from bi.{mart}")
        con.execute(f"copy bi.{mart} to '{work / 'release' / 'parquet' / mart}.parquet' (format parquet)")
    stages["publish"] = time.perf_counter() - started
    con.close()
    return {"stages": stages, "raw_rows": rows}
