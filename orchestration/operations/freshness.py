"""Freshness: each feed's expected arrival and the release's nightly deadline, as warning checks
and alert sensors.

Judged against the wall clock, so a breach is an operations alert, never a reason to withhold a
release (the gate judges completeness against the release's reporting date instead).
"""

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from ingestion import FEEDS, FeedSpec
from ingestion.freshness import FeedFreshness, feed_freshness
from orchestration.operations.alerts import Notifier
from orchestration.resources import REPO_ROOT, WarehouseResource

HOLIDAYS_SEED = REPO_ROOT / "dbt_project" / "seeds" / "bank_holidays_england_wales.csv"

# The release must be rebuilt every night: materialised between 02:00 and 07:00 London time.
LONDON = ZoneInfo("Europe/London")
RELEASE_DEADLINE = time(7, 0)
RELEASE_WINDOW = timedelta(hours=5)
RELEASE_KEY = dg.AssetKey(["publication", "release"])
RELEASE_FRESHNESS = dg.FreshnessPolicy.cron(
    deadline_cron=f"{RELEASE_DEADLINE.minute} {RELEASE_DEADLINE.hour} * * *",
    lower_bound_delta=RELEASE_WINDOW,
    timezone="Europe/London",
)


def load_holidays() -> set[date]:
    """England and Wales bank holidays, from the dbt seed (the one list the project keeps)."""
    rows = HOLIDAYS_SEED.read_text(encoding="utf-8").splitlines()[1:]
    return {date.fromisoformat(row.split(",")[0]) for row in rows if row}


def current_freshness(home: Path, specs: Sequence[FeedSpec] = FEEDS) -> list[FeedFreshness]:
    return feed_freshness(home, specs, datetime.now(UTC), load_holidays())


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
    can_subset=True,  # one feed's asset alone is materialised with its own check (CLI, UI)
)
def feed_freshness_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    selected = {key.asset_key.path[1] for key in context.selected_asset_check_keys}
    for f in current_freshness(warehouse.home_path, [spec for spec in FEEDS if spec.table in selected]):
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


def last_deadline(now: datetime) -> datetime:
    """The latest 07:00 London time at or before `now`."""
    local = now.astimezone(LONDON)
    deadline = datetime.combine(local.date(), RELEASE_DEADLINE, LONDON)
    return (
        deadline
        if deadline <= local
        else datetime.combine(local.date() - timedelta(days=1), RELEASE_DEADLINE, LONDON)
    )


def release_staleness(instance: dg.DagsterInstance, now: datetime) -> tuple[datetime, datetime | None, bool]:
    """(the last deadline, when the release was last published, whether that was in time for it):
    the release policy is met when a release was published after 02:00 before the last 07:00."""
    deadline = last_deadline(now)
    event = instance.get_latest_materialization_event(RELEASE_KEY)
    published = datetime.fromtimestamp(event.timestamp, UTC) if event else None
    return deadline, published, published is not None and published >= deadline - RELEASE_WINDOW


@dg.sensor(
    name="alert_on_stale_release",
    description="Every 30 minutes after the 07:00 deadline: if no release was published since 02:00, one "
    "alert and a failed `published_overnight` check on the release (once per night).",
    minimum_interval_seconds=1800,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_stale_release(context: dg.SensorEvaluationContext, notifier: Notifier) -> dg.SensorResult:
    deadline, published, fresh = release_staleness(context.instance, datetime.now(UTC))
    if fresh or context.cursor == deadline.isoformat():
        return dg.SensorResult(
            skip_reason=f"release fresh for the {deadline:%Y-%m-%d %H:%M} deadline or alerted"
        )
    last = f"{published:%Y-%m-%d %H:%M} UTC" if published else "never"
    notifier.send(
        "release not refreshed overnight",
        [
            f"No release was published between {deadline - RELEASE_WINDOW:%Y-%m-%d %H:%M} and "
            f"{deadline:%H:%M} London time; BI users see the release of {last}.",
            "Look at the last nightly_refresh run (docs/operations.md).",
        ],
    )
    evaluation = dg.AssetCheckEvaluation(
        asset_key=RELEASE_KEY,
        check_name="published_overnight",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"deadline": deadline.isoformat(), "last_published": last},
    )
    return dg.SensorResult(asset_events=[evaluation], cursor=deadline.isoformat())


@dg.asset_check(
    asset=RELEASE_KEY,
    name="published_overnight",
    blocking=False,
    description="A release was published between 02:00 and 07:00 London time before the last 07:00 "
    "deadline (its freshness policy). Evaluated in each run and, after the deadline, by the sensor "
    "alert_on_stale_release; a warning for operations.",
)
def published_overnight(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    deadline, published, fresh = release_staleness(context.instance, datetime.now(UTC))
    return dg.AssetCheckResult(
        passed=fresh,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"deadline": deadline.isoformat(), "last_published": str(published or "never")},
    )
