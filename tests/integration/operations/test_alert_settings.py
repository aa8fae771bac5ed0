"""Where alerts go is read when a sensor is evaluated, not when the definitions load (issue 15,
finding 9): definitions loaded with no alert variable set send to the channels the environment
names at evaluation, and follow it when it changes."""

import dagster as dg
import pytest
from conftest import Receiver
from private_home import definitions
from test_alerts import failed_run
from test_teams_alerts import card_text

from orchestration.operations.alerts import TEAMS_VARIABLE, AlertConfigError

ALERT_VARIABLES = (
    "INSIGHT_HUB_SMTP_HOST",
    "INSIGHT_HUB_SMTP_PORT",
    "INSIGHT_HUB_SMTP_USER",
    "INSIGHT_HUB_SMTP_PASSWORD",
    "INSIGHT_HUB_SMTP_FROM",
    "INSIGHT_HUB_SMTP_TO",
    "INSIGHT_HUB_WEBHOOK_URL",
    TEAMS_VARIABLE,
    "INSIGHT_HUB_UI_URL",
)


def test_alert_settings_set_after_the_definitions_load_are_the_ones_used(
    tmp_path, monkeypatch, smtp_inbox, teams
):
    for variable in ALERT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    defs = definitions()  # loaded (or already loaded by this process) with no alert variable set
    stale_release = defs.get_sensor_def("alert_on_stale_release")
    teams_failure = defs.get_sensor_def("teams_on_run_failure")

    monkeypatch.setenv("INSIGHT_HUB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("INSIGHT_HUB_SMTP_PORT", str(smtp_inbox[0]))
    monkeypatch.setenv("INSIGHT_HUB_SMTP_TO", "on-call@council.example")
    monkeypatch.setenv(TEAMS_VARIABLE, teams.url("workflows/first"))
    monkeypatch.setenv("INSIGHT_HUB_UI_URL", "http://dagster.council.example:3000")
    instance = dg.DagsterInstance.ephemeral()
    notifier = {"notifier": defs.resources["notifier"]}  # the definitions' resource, made at evaluation
    stale_release(dg.build_sensor_context(instance=instance, resources=notifier))
    (email,) = smtp_inbox[1].messages
    assert email["to"] == ["on-call@council.example"] and "release not refreshed" in email["subject"]
    (card,) = teams.calls
    assert "release not refreshed overnight" in card_text(card)

    # The same loaded definitions: a run fails, and Teams is now another channel.
    second = Receiver()
    try:
        monkeypatch.setenv(TEAMS_VARIABLE, second.url("workflows/second"))
        failed, result = failed_run(tmp_path)
        context = dg.build_run_status_sensor_context(
            sensor_name="teams_on_run_failure",
            dagster_instance=failed,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
            resources=notifier,
        ).for_run_failure()
        teams_failure(context)
        (card,) = second.calls
        assert f"http://dagster.council.example:3000/runs/{result.run_id}" in card_text(card)
        assert len(teams.calls) == 1
    finally:
        second.server.shutdown()


def test_an_alert_setting_that_cannot_be_used_fails_the_sensor_saying_which(monkeypatch):
    defs = definitions()
    monkeypatch.setenv("INSIGHT_HUB_SMTP_PORT", "smtp")
    sensor = defs.get_sensor_def("alert_on_stale_release")
    with pytest.raises(dg.DagsterResourceFunctionError) as failed:  # the tick's error names the cause
        sensor(
            dg.build_sensor_context(
                instance=dg.DagsterInstance.ephemeral(), resources={"notifier": defs.resources["notifier"]}
            )
        )
    assert isinstance(failed.value.__cause__, AlertConfigError)
    assert "INSIGHT_HUB_SMTP_PORT must be a port number (got 'smtp')" in str(failed.value.__cause__)
