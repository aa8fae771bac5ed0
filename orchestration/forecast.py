"""The contact-centre forecast asset (group `forecast`): demand history -> forecast and staffing.

Wiring only: forecast.pipeline does the work. It runs after the dbt models it reads
(int_csc_demand_daily, int_csc_calls_half_hourly, int_calendar: not bi.dim_date, whose blocking
gate check covers every bi table, the forecast marts too, which would make a cycle) and writes
the ops tables that the dbt marts csc_demand_forecast, csc_staffing_requirement and
csc_forecast_accuracy publish through the `forecast` dbt source, as the dbt asset
`dbt_forecast_marts` that runs after it.
"""

import math
import os

import dagster as dg

from forecast import pipeline
from forecast.erlang import DEFAULT_STAFFING, StaffingSettings
from orchestration.policy import DUCKDB_WRITERS, OWNERS, TRANSIENT_RETRY
from orchestration.resources import WarehouseResource

INPUTS = [
    dg.AssetKey(["intermediate", "int_csc_demand_daily"]),
    dg.AssetKey(["intermediate", "int_csc_calls_half_hourly"]),
    dg.AssetKey(["intermediate", "int_calendar"]),
]
TABLES = {
    "csc_forecast_daily": "Contacts by service and channel and offered calls by queue per day, next 8 weeks.",
    "csc_forecast_half_hourly": "Offered calls by queue per half-hour, next 2 weeks.",
    "csc_forecast_accuracy": "Back-test and last-week errors of the chosen models and the baseline.",
    "csc_staffing": "Erlang C agents and staff required per queue and half-hour, next 2 weeks.",
}

# The staffing settings (docs/forecast.md): environment variable -> StaffingSettings field.
STAFFING_VARIABLES = {
    "INSIGHT_HUB_CSC_SERVICE_LEVEL": "service_level",
    "INSIGHT_HUB_CSC_ANSWER_WITHIN_S": "target_wait_s",
    "INSIGHT_HUB_CSC_SHRINKAGE": "shrinkage",
    "INSIGHT_HUB_CSC_MAX_OCCUPANCY": "max_occupancy",
}


def staffing_settings() -> StaffingSettings:
    """The service-level target and allowances from the environment, read when the asset runs.

    Unset or empty: the default (issue 21). A value that is not a finite number, or that
    StaffingSettings refuses, fails the asset with a message naming the variable, before anything
    is written.
    """
    values: dict[str, float] = {}
    for variable, name in STAFFING_VARIABLES.items():
        text = os.environ.get(variable, "").strip()
        if not text:
            continue
        try:
            values[name] = float(text)
            if not math.isfinite(values[name]):
                raise ValueError(name)
            StaffingSettings(**{name: values[name]})  # the one validation, one setting at a time
        except ValueError:
            default = getattr(DEFAULT_STAFFING, name)
            raise dg.Failure(
                description=f"{variable}={text!r} is not a valid {name} (default {default:g}; "
                "docs/forecast.md, Staffing need)",
                allow_retries=False,
            ) from None
    return StaffingSettings(**values)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            dg.AssetKey([pipeline.SCHEMA, table]),
            deps=INPUTS,
            description=f"`{pipeline.SCHEMA}.{table}`: {text}",
            group_name="forecast",
            kinds={"python", "statsmodels", "duckdb"},
            owners=OWNERS,
        )
        for table, text in TABLES.items()
    ],
    pool=DUCKDB_WRITERS,
    retry_policy=TRANSIENT_RETRY,
)
def csc_forecast(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Forecast contact-centre demand and the agents needed (docs/forecast.md)."""
    staffing = staffing_settings()
    with warehouse.connect() as con:
        summary = pipeline.run(con, staffing=staffing)
    if summary.skipped_reason:
        context.log.warning(f"no forecast tonight, tables left empty: {summary.skipped_reason}")
    metadata = summary.metadata()
    for table in TABLES:
        yield dg.MaterializeResult(asset_key=dg.AssetKey([pipeline.SCHEMA, table]), metadata=metadata)
