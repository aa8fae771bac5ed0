"""Alerts reach a real (local) SMTP server and webhook receiver, once per event, with no row data."""

import json
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from orchestration.ingestion import FEED_ASSETS, FEED_DAYS, RANGE_END_TAG, RANGE_START_TAG
from orchestration.operations.alerts import alert_on_run_failure, summary_on_nightly_success
from orchestration.operations.freshness import (
    RELEASE_KEY,
    alert_on_late_feeds,
    alert_on_stale_release,
    release_staleness,
)
from orchestration.resources import WarehouseResource


def failed_run(tmp_path, instance: dg.DagsterInstance | None = None):
    """A real run of a real asset with an injected failure: the warehouse path is not writable."""
    instance = instance or dg.DagsterInstance.ephemeral()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the home directory should be")
    result = dg.materialize(
        [FEED_ASSETS[0]],
        instance=instance,
        resources={"warehouse": WarehouseResource(home=str(blocked))},
        raise_on_error=False,
    )
    assert not result.success
    return instance, result


def alert_failure(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, notifier) -> None:
    """What the daemon does when the run has failed: evaluate the run-failure sensor on it."""
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    alert_on_run_failure(context, notifier=notifier)


def test_a_failed_run_sends_exactly_one_email_and_one_webhook(tmp_path, notifier, smtp_inbox, webhook_calls):
    instance, result = failed_run(tmp_path)

    alert_failure(instance, result, notifier)

    (email,) = smtp_inbox[1].messages
    (hook,) = webhook_calls[1]
    step = FEED_ASSETS[0].key.to_python_identifier()
    link = f"http://127.0.0.1:3000/runs/{result.run_id}"
    for text in (email["body"], hook["text"]):
        assert result.run_id in text
        assert step in text
        assert link in text
    assert email["to"] == ["data-team@council.example"]


def test_nightly_success_summary_names_the_release(tmp_path, notifier, smtp_inbox, webhook_calls):
    instance = dg.DagsterInstance.ephemeral()

    @dg.asset(key=["publication", "release"])
    def release():
        return dg.MaterializeResult(metadata={"release_id": "20250601T020000Z"})

    @dg.asset(
        key=["raw", "ibc_fi_items"], partitions_def=FEED_DAYS, backfill_policy=dg.BackfillPolicy.single_run()
    )
    def feed():  # a daily feed over three days: one materialisation per day, each with the step's counts
        return dg.MaterializeResult(
            metadata={"files_processed": 3, "files_quarantined": 1, "rows_loaded": 40}
        )

    days = {RANGE_START_TAG: "2025-05-29", RANGE_END_TAG: "2025-05-31"}
    result = dg.materialize([release, feed], instance=instance, tags=days)
    context = dg.build_run_status_sensor_context(
        sensor_name="summary_on_nightly_success",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
    )
    summary_on_nightly_success(context, notifier=notifier)
    assert "20250601T020000Z" in smtp_inbox[1].messages[0]["body"]
    assert "Files loaded: 2 (40 rows); files quarantined: 1" in smtp_inbox[1].messages[0]["body"]
    assert "20250601T020000Z" in webhook_calls[1][0]["text"]


def test_a_late_feed_is_alerted_once(tmp_path, notifier, smtp_inbox, webhook_calls):
    home = tmp_path / "home"
    fresh_day = date.today() - timedelta(days=1)
    (home / "archive/ibc/finance").mkdir(parents=True)
    (home / "archive/ibc/finance" / f"FI_ITEMS_{fresh_day:%Y%m%d}.txt").write_text("x")
    resources = {"notifier": notifier, "warehouse": WarehouseResource(home=str(home))}

    context = dg.build_sensor_context(resources=resources)
    alert_on_late_feeds(context)
    assert len(smtp_inbox[1].messages) == 1 and len(webhook_calls[1]) == 1
    text = webhook_calls[1][0]["text"]
    assert "ibc/hr (ibc_pa0001)" in text
    assert "FI_ITEMS" not in text and "ibc_fi_items" not in text

    again = dg.build_sensor_context(resources=resources, cursor=context.cursor)
    alert_on_late_feeds(again)
    assert len(smtp_inbox[1].messages) == 1 and len(webhook_calls[1]) == 1
    assert json.loads(context.cursor)


def test_a_release_not_refreshed_overnight_is_alerted_once_and_fails_its_check(
    notifier, smtp_inbox, webhook_calls
):
    instance = dg.DagsterInstance.ephemeral()
    context = dg.build_sensor_context(instance=instance, resources={"notifier": notifier})
    result = alert_on_stale_release(context)
    assert len(smtp_inbox[1].messages) == 1 and len(webhook_calls[1]) == 1
    assert "release not refreshed overnight" in smtp_inbox[1].messages[0]["subject"]
    [evaluation] = result.asset_events
    assert (evaluation.check_name, evaluation.passed) == ("published_overnight", False)
    again = dg.build_sensor_context(instance=instance, resources={"notifier": notifier}, cursor=result.cursor)
    assert alert_on_stale_release(again).skip_reason  # once per deadline
    assert len(smtp_inbox[1].messages) == 1

    instance.report_runless_asset_event(dg.AssetMaterialization(RELEASE_KEY))  # published just now
    deadline, published, fresh = release_staleness(instance, datetime.now(UTC))
    assert fresh and published and published >= deadline
    two_nights_on = deadline + timedelta(days=2, hours=1)  # a deadline whose night published nothing
    assert release_staleness(instance, two_nights_on)[2] is False
    fresh_context = dg.build_sensor_context(instance=instance, resources={"notifier": notifier})
    assert alert_on_stale_release(fresh_context).skip_reason
    assert len(smtp_inbox[1].messages) == 1


def test_a_failed_blocking_check_is_alerted_naming_the_check(notifier, smtp_inbox, webhook_calls):
    """A blocking check that fails stops what is downstream and fails the run: one alert names it."""
    instance = dg.DagsterInstance.ephemeral()

    @dg.asset(
        key=["bi", "kpi_csc_monthly"],
        check_specs=[dg.AssetCheckSpec("gx_kpi_csc_monthly", asset=["bi", "kpi_csc_monthly"], blocking=True)],
    )
    def mart():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(passed=False, metadata={"expectations_failed": 1})

    @dg.asset(key=["publication", "release"], deps=[mart])
    def release():
        raise AssertionError("must not run after a failed blocking check")

    result = dg.materialize([mart, release], instance=instance, raise_on_error=False)
    assert not result.success
    alert_failure(instance, result, notifier)
    (email,) = smtp_inbox[1].messages
    (hook,) = webhook_calls[1]
    for text in (email["body"], hook["text"]):
        assert "bi/kpi_csc_monthly:gx_kpi_csc_monthly" in text and result.run_id in text
    assert not any(
        e.event_type == dg.DagsterEventType.STEP_START and e.step_key == "publication__release"
        for e in result.all_events
    )
