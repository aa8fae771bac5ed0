"""Run a suite over a dataframe with an in-memory GX context, and read the gate policy.

GX reads dataframes (DuckDB -> Arrow -> pandas) rather than DuckDB through SQLAlchemy: GX's SQL
datasource fails to compute metrics on DuckDB (see the design).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

POLICY_FILE = Path(__file__).with_name("gate_policy.yml")


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    blocking: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)


def policy(suite: str) -> str:
    """`blocking` or `warning` for a suite, from gate_policy.yml."""
    rules = yaml.safe_load(POLICY_FILE.read_text())
    return rules.get("suites", {}).get(suite, rules.get("default", "blocking"))


def run_suite(suite_name: str, df: pd.DataFrame) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    suite = importlib.import_module(f"expectations.suites.{suite_name}").build()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    suite = context.suites.add(suite)
    result = batch_definition.get_batch(batch_parameters={"dataframe": df}).validate(suite)
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
    return SuiteOutcome(
        suite=suite_name,
        success=result.success,
        blocking=policy(suite_name) == "blocking",
        evaluated=len(result.results),
        failed=failed,
    )
