"""The contact-centre forecast asset (group `forecast`): demand history -> forecast and staffing.

Wiring only: forecast.pipeline does the work. It runs after the dbt models it reads
(int_csc_demand_daily, int_csc_calls_half_hourly, int_calendar: not bi.dim_date, whose blocking
gate check covers every bi table, the forecast marts too, which would make a cycle) and writes
the ops tables that the dbt marts csc_demand_forecast, csc_staffing_requirement and
csc_forecast_accuracy publish through the `forecast` dbt source, as the dbt asset
`dbt_forecast_marts` that runs after it.
"""

import dagster as dg

from forecast import pipeline
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
    with warehouse.connect() as con:
        summary = pipeline.run(con)
    if summary.skipped_reason:
        context.log.warning(f"no forecast tonight, tables left empty: {summary.skipped_reason}")
    metadata = summary.metadata()
    for table in TABLES:
        yield dg.MaterializeResult(asset_key=dg.AssetKey([pipeline.SCHEMA, table]), metadata=metadata)
