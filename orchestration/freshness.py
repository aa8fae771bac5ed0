"""Freshness: each feed's expected arrival as asset checks (warnings) and a late-feed alert sensor.

Judged against the wall clock, so a breach is an operations alert, never a reason to withhold a
release (the gate judges completeness against the release's reporting date instead).
"""

import json
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from ingestion import FEEDS
from ingestion.freshness import FeedFreshness, feed_freshness
from orchestration.alerts import Notifier
from orchestration.resources import REPO_ROOT, WarehouseResource

HOLIDAYS_SEED = REPO_ROOT / "dbt_project" / "seeds" / "bank_holidays_england_wales.csv"

# The release must be rebuilt every night: materialised between 02:00 and 07:00 London time.
RELEASE_FRESHNESS = dg.FreshnessPolicy.cron(
    deadline_cron="0 7 * * *", lower_bound_delta=timedelta(hours=5), timezone="Europe/London"
)


def load_holidays() -> set[date]:
    """England and Wales bank holidays, from the dbt seed (the one list the project keeps)."""
    rows = HOLIDAYS_SEED.read_text(encoding="utf-8").splitlines()[1:]
    return {date.fromisoformat(row.split(",")[0]) for row in rows if row}


def current_freshness(home) -> list[FeedFreshness]:
    return feed_freshness(home, FEEDS, datetime.now(UTC), load_holidays())


def _describe(f: FeedFreshness) -> str:
    return (
        f"{f.feed_path} ({f.table}): the file dated {f.expected} was due by {f.due_by:%Y-%m-%d %H:%M} "
        f"and has not arrived; newest delivered: {f.newest_delivered or 'none'}"
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "arrived_on_time",
            asset=dg.AssetKey(["raw", spec.table]),
            blocking=False,
            description=f"The {spec.cadence} file of {spec.feed_path} arrived by its deadline "
            "(docs/operations.md); a warning, never a reason to withhold a release.",
        )
        for spec in FEEDS
    ],
    name="feed_freshness_checks",
)
def feed_freshness_checks(warehouse: WarehouseResource):
    for f in current_freshness(warehouse.home_path):
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(["raw", f.table]),
            check_name="arrived_on_time",
            passed=f.fresh,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "expected_file_date": str(f.expected),
                "due_by": f.due_by.isoformat(),
                "newest_delivered": str(f.newest_delivered or ""),
                "days_late": f.days_late,
            },
        )


@dg.sensor(
    name="alert_on_late_feeds",
    description="Every 30 minutes: one alert for each feed file that missed its deadline.",
    minimum_interval_seconds=1800,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_late_feeds(
    context: dg.SensorEvaluationContext, notifier: Notifier, warehouse: WarehouseResource
) -> dg.SkipReason:
    alerted = set(json.loads(context.cursor)) if context.cursor else set()
    late = [
        f
        for f in current_freshness(warehouse.home_path)
        if not f.fresh and f"{f.table}:{f.expected}" not in alerted
    ]
    if not late:
        return dg.SkipReason("no feed newly late")
    notifier.send(f"{len(late)} feed(s) late", [_describe(f) for f in late])
    alerted |= {f"{f.table}:{f.expected}" for f in late}
    context.update_cursor(json.dumps(sorted(alerted)[-1000:]))
    return dg.SkipReason(f"alerted {len(late)} late feed(s)")
