"""Alerts to Microsoft Teams through dagster-msteams, posted to a local stand-in for the channel's
URL: a failed run by the library's run-failure sensor, every other alert as a card by its client,
beside email and the webhook (which keep working and never post the failure to Teams twice)."""

import socket

import dagster as dg
import pytest
import requests
from test_alerts import failed_run

from orchestration.ingestion import FEED_ASSETS
from orchestration.operations.alerts import TEAMS_VARIABLE, Notifier, alert_on_run_failure, teams_sensors
from orchestration.operations.freshness import alert_on_stale_release
from orchestration.resources import WarehouseResource

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def card_text(card: dict) -> str:
    """The text of an Adaptive Card as Teams shows it (one text block per line group)."""
    (attachment,) = card["attachments"]
    assert card["type"] == "message" and attachment["contentType"] == ADAPTIVE
    return "\n".join(block["text"] for block in attachment["content"]["body"])


def failure_context(instance, result, name: str) -> dg.RunFailureSensorContext:
    """What the daemon builds when the run has failed."""
    return dg.build_run_status_sensor_context(
        sensor_name=name,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()


def with_teams(notifier: Notifier, url: str) -> Notifier:
    """The test's notifier (local SMTP server and webhook) with a Teams channel as well."""
    return Notifier(**{**notifier.model_dump(), "teams_webhook_url": url})


def test_no_teams_url_no_teams_sensor(monkeypatch):
    monkeypatch.delenv(TEAMS_VARIABLE, raising=False)
    assert teams_sensors() == []


def test_a_failed_run_posts_one_teams_card_and_still_emails(
    tmp_path, monkeypatch, teams, notifier, smtp_inbox, webhook_calls
):
    monkeypatch.setenv(TEAMS_VARIABLE, teams.url("workflows/insight-hub"))
    monkeypatch.setenv("INSIGHT_HUB_UI_URL", "http://dagster.council.example:3000/")
    (sensor,) = teams_sensors()
    assert sensor.name == "teams_on_run_failure"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    instance, result = failed_run(tmp_path)

    sensor(failure_context(instance, result, sensor.name))
    (card,) = teams.calls
    text = card_text(card)
    step = FEED_ASSETS[0].key.to_python_identifier()
    link = f"http://dagster.council.example:3000/runs/{result.run_id}"
    assert f"Insight Hub: run failed: {result.dagster_run.job_name}" in text
    assert result.run_id in text and step in text and link in text

    # The existing channels are kept; the Notifier leaves this failure to the Teams sensor.
    notifier = with_teams(notifier, teams.url("workflows/insight-hub"))
    alert_on_run_failure(failure_context(instance, result, "alert_on_run_failure"), notifier=notifier)
    assert len(smtp_inbox[1].messages) == 1 and len(webhook_calls[1]) == 1
    assert len(teams.calls) == 1


def test_other_alerts_reach_teams_as_cards(tmp_path, teams, notifier, smtp_inbox):
    notifier = with_teams(notifier, teams.url("workflows/insight-hub"))
    instance = dg.DagsterInstance.ephemeral()
    resources = {"notifier": notifier, "warehouse": WarehouseResource(home=str(tmp_path))}
    alert_on_stale_release(dg.build_sensor_context(instance=instance, resources=resources))
    (card,) = teams.calls
    assert "Insight Hub: release not refreshed overnight" in card_text(card)
    assert len(smtp_inbox[1].messages) == 1


def test_teams_refusing_the_card_fails_the_sensor_with_its_answer(tmp_path, monkeypatch, teams):
    teams.status = 403
    monkeypatch.setenv(TEAMS_VARIABLE, teams.url("workflows/revoked"))
    (sensor,) = teams_sensors()
    instance, result = failed_run(tmp_path)
    with pytest.raises(requests.RequestException, match="refused by the test"):
        sensor(failure_context(instance, result, sensor.name))


def test_an_unreachable_teams_url_is_reported_without_the_url(tmp_path, notifier):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        secret = f"http://127.0.0.1:{s.getsockname()[1]}/workflows/sig-9d8e1f-do-not-log"
    with pytest.raises(ConnectionError, match=f"Teams could not be reached at {TEAMS_VARIABLE}") as failed:
        with_teams(notifier, secret).send("late feeds", ["ibc/hr"])
    assert "sig-9d8e1f" not in str(failed.value) and failed.value.__cause__ is None


@pytest.mark.parametrize("url", ["teams-channel", "ftp://files.example/hook"])
def test_a_teams_url_that_is_not_http_is_refused_when_the_definitions_load(monkeypatch, url):
    monkeypatch.setenv(TEAMS_VARIABLE, url)
    with pytest.raises(ValueError, match=f"{TEAMS_VARIABLE} must be the https:// URL") as refused:
        teams_sensors()
    assert url not in str(refused.value)  # the channel's secret is not echoed
