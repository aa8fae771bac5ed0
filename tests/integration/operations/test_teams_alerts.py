"""Alerts to Microsoft Teams through dagster-msteams, posted to a local stand-in for the channel's
URL: a failed run by the library's run-failure sensor, every other alert as a card by its client,
beside email and the webhook (which keep working and never post the failure to Teams twice). An
unreachable URL (a secret) reaches no tick error, log or exception text."""

import logging
import socket

import dagster as dg
import pytest
import requests
from test_alerts import failed_run

from orchestration.ingestion import FEED_ASSETS
from orchestration.operations.alerts import (
    TEAMS_VARIABLE,
    AlertConfigError,
    Notifier,
    TeamsUnreachable,
    alert_on_run_failure,
    notifier_from_env,
    teams_on_run_failure,
)
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


def unreachable_url(marker: str) -> str:
    """A Teams URL on a local port nothing listens on, its path holding `marker` (the secret)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/workflows/{marker}/triggers/manual?sig={marker}"


def test_no_teams_url_no_teams_card(tmp_path, teams, notifier, smtp_inbox):
    assert teams_on_run_failure.name == "teams_on_run_failure"
    assert teams_on_run_failure.default_status == dg.DefaultSensorStatus.RUNNING
    instance, result = failed_run(tmp_path)
    assert (
        teams_on_run_failure(failure_context(instance, result, "teams_on_run_failure"), notifier=notifier)
        is None
    )
    assert teams.calls == [] and smtp_inbox[1].messages == []


def test_a_failed_run_posts_one_teams_card_and_still_emails(
    tmp_path, teams, notifier, smtp_inbox, webhook_calls
):
    notifier = with_teams(notifier, teams.url("workflows/insight-hub"))
    notifier = Notifier(**{**notifier.model_dump(), "ui_url": "http://dagster.council.example:3000/"})
    instance, result = failed_run(tmp_path)

    teams_on_run_failure(failure_context(instance, result, "teams_on_run_failure"), notifier=notifier)
    (card,) = teams.calls
    text = card_text(card)
    step = FEED_ASSETS[0].key.to_python_identifier()
    link = f"http://dagster.council.example:3000/runs/{result.run_id}"
    assert f"Insight Hub: run failed: {result.dagster_run.job_name}" in text
    assert result.run_id in text and step in text and link in text

    # The existing channels are kept; the Notifier leaves this failure to the Teams sensor.
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


def test_teams_refusing_the_card_fails_the_sensor_with_its_answer(tmp_path, teams, notifier):
    teams.status = 403
    notifier = with_teams(notifier, teams.url("workflows/revoked"))
    instance, result = failed_run(tmp_path)
    with pytest.raises(requests.RequestException, match="refused by the test"):
        teams_on_run_failure(failure_context(instance, result, "teams_on_run_failure"), notifier=notifier)


def test_an_unreachable_teams_url_is_reported_without_the_url(tmp_path, notifier):
    secret = unreachable_url("sig-9d8e1f-do-not-log")
    with pytest.raises(ConnectionError, match=f"Teams could not be reached at {TEAMS_VARIABLE}") as failed:
        with_teams(notifier, secret).send("late feeds", ["ibc/hr"])
    assert "sig-9d8e1f" not in str(failed.value) and failed.value.__cause__ is None


def test_the_failure_sensors_tick_keeps_an_unreachable_teams_url_out_of_its_error_and_logs(
    tmp_path, notifier, caplog
):
    """Issue 22: the sensor evaluated as the daemon evaluates it (a tick on the instance's failure
    events, its error serialised for the tick's history): the URL's secret is in none of it."""
    marker = "sig-5e0c7a-tick-secret"
    resources = {"notifier": with_teams(notifier, unreachable_url(marker))}
    instance = dg.DagsterInstance.ephemeral()
    first = teams_on_run_failure.evaluate_tick(
        dg.build_sensor_context(instance=instance, resources=resources)
    )
    failed_run(tmp_path, instance)
    with caplog.at_level(logging.DEBUG):
        tick = teams_on_run_failure.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources)
        )
    (reaction,) = tick.dagster_run_reactions
    error = reaction.error
    assert error is not None, "the tick must fail: Teams could not be reached"
    assert f"Teams could not be reached at {TEAMS_VARIABLE}: ConnectionError" in error.to_string()
    texts = [error.to_string(), dg.serialize_value(tick), caplog.text]
    texts += [str(r.msg) for r in caplog.records]
    assert not [t for t in texts if marker in t]


def test_a_teams_url_that_is_not_http_is_refused_without_echoing_it():
    for url in ("teams-channel", "ftp://files.example/hook"):
        with pytest.MonkeyPatch.context() as env:
            env.setenv(TEAMS_VARIABLE, url)
            with pytest.raises(
                AlertConfigError, match=f"{TEAMS_VARIABLE} must be the https:// URL"
            ) as refused:
                notifier_from_env()
        assert url not in str(refused.value)  # the channel's secret is not echoed
    assert issubclass(TeamsUnreachable, ConnectionError)
