"""Great Expectations suites as Dagster asset checks on the published (`bi`) tables.

A suite whose gate policy is `blocking` fails the gate: the publish asset downstream does not run.
"""

import dagster as dg

from expectations.runner import policy, run_suite
from orchestration.resources import WarehouseResource

GATED_TABLES = ("kpi_workforce_monthly",)


def gx_check(table: str) -> dg.AssetChecksDefinition:
    blocking = policy(table) == "blocking"

    @dg.asset_check(
        asset=dg.AssetKey(["bi", table]),
        name=f"gx_{table}",
        blocking=blocking,
        description=f"Great Expectations suite `{table}` (expectations/suites/{table}.py), {policy(table)}.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            df = con.sql(f"select * from bi.{table}").to_arrow_table().to_pandas()
        outcome = run_suite(table, df)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
            metadata={"expectations_evaluated": outcome.evaluated, "failed": outcome.failed},
        )

    return _check


GX_CHECKS = [gx_check(table) for table in GATED_TABLES]
