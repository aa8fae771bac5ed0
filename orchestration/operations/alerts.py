"""Alerts to the people who run Insight Hub: by email (SMTP), by webhook (Slack-style JSON) and to a
Microsoft Teams channel (dagster-msteams).

Sent by sensors in the Dagster daemon: a failed run (naming the failed steps and failed blocking
checks) and a success summary after the nightly publish (late feeds: orchestration/operations/freshness.py).
To Teams, a failed run goes through dagster-msteams' own run-failure sensor and every other alert
through its client, as a card. Where alerts go is read from the environment each time a sensor is
evaluated (the `notifier` resource, alert_settings), never when the definitions are imported or
loaded. Alerts carry run ids, step and check names, counts and a link to the run: never row values,
so no personal data can reach them; no error they raise names a channel's URL (a secret).
"""

import json
import os
import smtplib
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage

import dagster as dg
import requests
from dagster_msteams import Card, MSTeamsResource, make_teams_on_run_failure_sensor
from dagster_msteams.adaptive_card import AdaptiveCard

from orchestration.operations.schedule import nightly_refresh

TEAMS_VARIABLE = "INSIGHT_HUB_TEAMS_WEBHOOK_URL"
DEFAULT_UI_URL = "http://127.0.0.1:3000"


class AlertConfigError(ValueError):
    """An alert variable of the environment cannot be used (the message never echoes a secret)."""


class TeamsUnreachable(ConnectionError):
    """Teams could not be reached: requests' own message names the URL, the channel's secret."""


class Notifier(dg.ConfigurableResource):
    """Where alerts go. Every field comes from the environment (see docs/operations.md)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "insight-hub@localhost"
    smtp_to: str = ""  # comma-separated recipients
    webhook_url: str = ""
    teams_webhook_url: str = ""  # a Teams incoming webhook or Workflows URL
    ui_url: str = DEFAULT_UI_URL

    def run_link(self, run_id: str) -> str:
        return run_link(self.ui_url, run_id)

    def send(self, subject: str, lines: list[str], teams: bool = True) -> list[str]:
        """Send to every configured channel (Teams unless `teams` is False); returns the channels used."""
        sent = []
        body = "\n".join(lines)
        recipients = [r.strip() for r in self.smtp_to.split(",") if r.strip()]
        if self.smtp_host and recipients:
            message = EmailMessage()
            message["Subject"] = f"[Insight Hub] {subject}"
            message["From"] = self.smtp_from
            message["To"] = ", ".join(recipients)
            message.set_content(body)
            with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=30) as smtp:
                if self.smtp_user:
                    smtp.starttls()
                    smtp.login(self.smtp_user, self.smtp_password)
                smtp.send_message(message)
            sent.append("email")
        if self.webhook_url:
            # `text` is what both Slack incoming webhooks and Teams connectors display.
            payload = json.dumps({"title": f"Insight Hub: {subject}", "text": f"{subject}\n{body}"})
            request = urllib.request.Request(
                self.webhook_url,
                data=payload.encode("utf-8"),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            sent.append("webhook")
        if self.teams_webhook_url and teams:
            post_to_teams(self.teams_webhook_url, f"**Insight Hub: {subject}**\n\n" + "\n\n".join(lines))
            sent.append("teams")
        return sent


def run_link(ui_url: str, run_id: str) -> str:
    return f"{ui_url.rstrip('/')}/runs/{run_id}"


def post_to_teams(hook_url: str, text: str) -> None:
    """Post `text` as a card with dagster-msteams' client: the legacy connector card for an
    `*.webhook.office.com` URL, an Adaptive Card for a Workflows (Power Automate) URL, as its
    run-failure sensor does. Raises when Teams refuses (requests' RequestException, with its answer)."""
    client = MSTeamsResource(hook_url=hook_url).get_client()
    card = Card() if client.is_legacy_webhook() else AdaptiveCard()
    card.add_attachment(text)
    without_url(lambda: client.post_message(card.payload))


def without_url(post: Callable[[], object]) -> None:
    """Call `post` (a post to Teams); an error of requests that is not Teams' own answer is raised
    again naming only the variable.

    requests' connection, timeout and URL errors put the URL in their message, and Dagster keeps a
    sensor's error (with its causes) in the tick's history, its log and the UI: the URL must not be
    there. dagster-msteams raises Teams' refusal as a bare RequestException holding Teams' answer,
    which is kept: it says why (a revoked workflow) and holds no URL.
    """
    try:
        post()
    except requests.RequestException as error:
        if type(error) is requests.RequestException:
            raise
        reason = type(error).__name__
        raise TeamsUnreachable(f"Teams could not be reached at {TEAMS_VARIABLE}: {reason}") from None


def notifier_from_env() -> Notifier:
    """The alert settings of the environment now (docs/operations.md); alert_settings calls it each
    time a sensor is evaluated. A setting that cannot be used raises AlertConfigError."""
    env = os.environ.get
    port = env("INSIGHT_HUB_SMTP_PORT", "25").strip()
    if not port.isdigit():
        raise AlertConfigError(f"INSIGHT_HUB_SMTP_PORT must be a port number (got {port!r})")
    teams = env(TEAMS_VARIABLE, "").strip()
    parsed = urllib.parse.urlsplit(teams)
    if teams and (parsed.scheme not in ("http", "https") or not parsed.hostname):
        # Not echoed: the URL is the channel's secret.
        raise AlertConfigError(
            f"{TEAMS_VARIABLE} must be the https:// URL of a Teams incoming webhook or workflow"
        )
    return Notifier(
        smtp_host=env("INSIGHT_HUB_SMTP_HOST", ""),
        smtp_port=int(port),
        smtp_user=env("INSIGHT_HUB_SMTP_USER", ""),
        smtp_password=env("INSIGHT_HUB_SMTP_PASSWORD", ""),
        smtp_from=env("INSIGHT_HUB_SMTP_FROM", "insight-hub@localhost"),
        smtp_to=env("INSIGHT_HUB_SMTP_TO", ""),
        webhook_url=env("INSIGHT_HUB_WEBHOOK_URL", "").strip(),
        teams_webhook_url=teams,
        ui_url=env("INSIGHT_HUB_UI_URL", DEFAULT_UI_URL),
    )


@dg.resource(
    description="Where alerts go: the INSIGHT_HUB_SMTP_*, _WEBHOOK_URL, _TEAMS_WEBHOOK_URL and _UI_URL "
    "variables, read at each evaluation."
)
def alert_settings(context: dg.InitResourceContext) -> Notifier:
    """The `notifier` resource of the definitions: a Notifier made from the environment each time a
    sensor is evaluated, as every resource is resolved at launch (orchestration/resources.py).

    Not a resource of `dg.EnvVar` fields: an EnvVar must be set or the resource fails to initialise,
    and every alert channel is optional. Read here, no setting (nor secret) is in the resource's
    config, so none is in a snapshot or the UI. (dagster 1.13 no longer exports
    ConfigurableResourceFactory, the Pythonic form of this.)
    """
    return notifier_from_env()


def _failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in (r.dagster_event.event_specific_data for r in records)
        if not e.passed
    ]


def _failure_lines(context: dg.RunFailureSensorContext, ui_url: str) -> tuple[str, list[str]]:
    """The subject and lines of a failed run's alert, the same on every channel."""
    run = context.dagster_run
    steps = sorted({e.step_key for e in context.get_step_failure_events() if e.step_key})
    checks = _failed_checks(context.instance, run.run_id)
    lines = [
        f"Run {run.run_id} of job {run.job_name} failed.",
        f"Failed steps: {', '.join(steps) or 'none (the run failed outside a step)'}",
        f"Failed checks: {', '.join(checks) or 'none'}",
        "Nothing was published by this run; the current release is unchanged.",
        f"Run in the Dagster UI: {run_link(ui_url, run.run_id)}",
    ]
    return f"run failed: {run.job_name} ({', '.join(steps) or 'run'})", lines


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Email and webhook when any run fails, naming the failed steps and checks.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext, notifier: Notifier) -> None:
    subject, lines = _failure_lines(context, notifier.ui_url)
    notifier.send(subject, lines, teams=False)  # Teams: teams_on_run_failure, below


def _teams_message(context: dg.RunFailureSensorContext, ui_url: str) -> str:
    subject, lines = _failure_lines(context, ui_url)
    return f"**Insight Hub: {subject}**\n\n" + "\n\n".join(lines)


@dg.run_failure_sensor(
    name="teams_on_run_failure",
    description="A Teams card when any run fails (dagster-msteams' run-failure sensor), when "
    f"{TEAMS_VARIABLE} is set.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def teams_on_run_failure(context: dg.RunFailureSensorContext, notifier: Notifier) -> None:
    """dagster-msteams' run-failure sensor, made for this evaluation with the URL of the environment.

    The library's factory takes the URL itself, so it is made here, at evaluation, rather than when
    the definitions load; its evaluation runs unchanged (the card, its link to the run), and an error
    reaching Teams is raised naming only the variable (without_url). With no URL it does nothing (a
    returned SkipReason would end the tick at the first failed run: run-status sensors stop there).
    """
    if not notifier.teams_webhook_url:
        return
    ui_url = notifier.ui_url
    library_sensor = make_teams_on_run_failure_sensor(
        hook_url=notifier.teams_webhook_url,
        message_fn=lambda failure: _teams_message(failure, ui_url),
        name=context.sensor_name,
        webserver_base_url=ui_url.rstrip("/"),
        timeout=30,
    )
    without_url(lambda: library_sensor(context))


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="summary_on_nightly_success",
    description="A short summary after each successful nightly run: release, files loaded and refused.",
    monitored_jobs=[nightly_refresh],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def summary_on_nightly_success(context: dg.RunStatusSensorContext, notifier: Notifier) -> None:
    run = context.dagster_run
    events = context.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    # One per asset: a daily feed's step over a range of days records one per day, with the same counts.
    by_asset = {
        e.dagster_event.asset_key: e.dagster_event.event_specific_data.materialization for e in events
    }
    materializations = by_asset.values()
    release, loaded, rows, quarantined = None, 0, 0, 0
    for m in materializations:
        meta = {k: v.value for k, v in m.metadata.items()}
        if m.asset_key == dg.AssetKey(["publication", "release"]):
            release = meta.get("release_id")
        loaded += int(meta.get("files_processed", 0)) - int(meta.get("files_quarantined", 0))
        quarantined += int(meta.get("files_quarantined", 0))
        rows += int(meta.get("rows_loaded", 0))
    warned = _failed_checks(context.instance, run.run_id)
    lines = [
        f"Nightly run {run.run_id} succeeded.",
        f"Release published: {release or 'none'}",
        f"Files loaded: {loaded} ({rows} rows); files quarantined: {quarantined}",
        f"Warnings (non-blocking checks failed): {', '.join(warned) or 'none'}",
        f"Run in the Dagster UI: {notifier.run_link(run.run_id)}",
    ]
    notifier.send(f"nightly refresh published {release or 'nothing'}", lines)


ALERT_SENSORS = [alert_on_run_failure, teams_on_run_failure, summary_on_nightly_success]
