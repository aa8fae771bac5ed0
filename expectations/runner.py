"""Run a suite over a dataframe, write its Data Docs, and read the gate policy.

GX reads dataframes (DuckDB -> Arrow -> pandas) rather than DuckDB through SQLAlchemy: GX's SQL
datasource fails to compute metrics on DuckDB (see the design). GX itself is imported only when a
suite runs, so that loading the Dagster definitions stays fast.

Results and Data Docs never show row values, only counts: a failing expectation on a table that
should hold no personal data may be failing precisely because it holds some.
"""

from __future__ import annotations

import functools
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

POLICY_FILE = Path(__file__).with_name("gate_policy.yml")
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
# GX's page views with templates compiled once per process (docs_views.py).
PAGE_VIEW = {"module_name": "expectations.docs_views", "class_name": "PageView"}
INDEX_VIEW = {"module_name": "expectations.docs_views", "class_name": "IndexPageView"}


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    blocking: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    docs_page: str | None = None  # file:// URL of this validation's Data Docs page


def _policy() -> dict[str, Any]:
    """gate_policy.yml, parsed again only when it changes (every check and suite consults it)."""
    return _parsed_policy(POLICY_FILE.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _parsed_policy(mtime_ns: int) -> dict[str, Any]:
    return yaml.safe_load(POLICY_FILE.read_text())


def policy(suite: str) -> str:
    """`blocking` or `warning` for a suite, from gate_policy.yml."""
    rules = _policy()
    return rules.get("suites", {}).get(suite, rules.get("default", "blocking"))


def published_table_policy(table: str) -> str:
    """`blocking` or `warning` for the gate's suite on a published table (`published_tables`,
    unless the table is listed under `suites`)."""
    rules = _policy()
    default = rules.get("published_tables", rules.get("default", "blocking"))
    return rules.get("suites", {}).get(table, default)


def max_row_drop() -> float:
    """The largest fraction of its rows a published table may lose against the previous release."""
    return float(_policy().get("row_count", {}).get("max_drop", 0.5))


def row_count_bounded(table: str) -> bool:
    """Does the no-sudden-drop rule apply to published table `table` (not if listed under
    `row_count.not_for`: a table describing one release may shrink to nothing)?"""
    return table not in (_policy().get("row_count", {}).get("not_for") or [])


def statutory_personal_data(table: str) -> dict[str, set[str]]:
    """Column -> kinds of known personal value the law requires `table` to publish there
    (gate_policy.yml `statutory_personal_data`; empty for every other table)."""
    declared = (_policy().get("statutory_personal_data") or {}).get(table) or {}
    return {column: set(kinds) for column, kinds in declared.items()}


def row_count_floor(previous_rows: int | None) -> int | None:
    """The fewest rows a table may have, given the previous release's count (None: no bound)."""
    if not previous_rows:
        return None
    return max(1, math.ceil(previous_rows * (1 - max_row_drop())))


def run_suite(suite: Any, df: pd.DataFrame, blocking: bool, docs: Path | None = None) -> SuiteOutcome:
    """Validate `df` against `suite` (a gx.ExpectationSuite); `blocking` as the gate policy says.

    With `docs` (the run's folder, e.g. $INSIGHT_HUB_HOME/gx/runs/<run id>), the validation result
    is stored under docs/validations and the run's Data Docs site is rebuilt in docs/data_docs,
    so one site lists every suite the run validated.
    """
    import great_expectations as gx

    context = _context(docs)
    suite_name = suite.name
    batch_definition = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = context.suites.add(suite)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["run"])] if docs else []
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=suite_name, validation_definitions=[validation], actions=actions, result_format=RESULT_FORMAT
        )
    )
    run = checkpoint.run(batch_parameters={"dataframe": df})
    identifier, result = next(iter(run.run_results.items()))
    failed = [
        {
            "expectation": r.expectation_config.type,
            "kwargs": {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"},
            "unexpected_count": r.result.get("unexpected_count"),
            "observed_value": r.result.get("observed_value"),
        }
        for r in result.results
        if not r.success
    ]
    docs_page = None
    if docs:
        docs_page = context.get_docs_sites_urls(resource_identifier=identifier, site_name="run")[0][
            "site_url"
        ]
    return SuiteOutcome(
        suite=suite_name,
        success=result.success,
        blocking=blocking,
        evaluated=len(result.results),
        failed=failed,
        docs_page=docs_page,
    )


def docs_index(docs: Path) -> Path:
    """The index page of a run's Data Docs site."""
    return docs / "data_docs" / "index.html"


def _context(docs: Path | None):
    """An in-memory GX context; with `docs`, validation results and Data Docs go to files there."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    )
    config.analytics_enabled = False
    config.progress_bars = ProgressBarsConfig(globally=False)
    if docs:
        config.stores["validation_results_store"] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs / "validations"),
            },
        }
        config.data_docs_sites = {
            "run": {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs / "data_docs"),
                },
                "site_section_builders": {
                    section: {"view": PAGE_VIEW} for section in ("expectations", "validations", "profiling")
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": INDEX_VIEW},
            }
        }
    return gx.get_context(mode="ephemeral", project_config=config)


def prune_docs(runs: Path, keep: int) -> list[str]:
    """Delete the validation results and Data Docs of all but the `keep` most recent runs."""
    if not runs.is_dir():
        return []
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    removed = folders[: max(0, len(folders) - keep)]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return [folder.name for folder in removed]
