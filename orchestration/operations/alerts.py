"""Alerts to the people who run Insight Hub: by email (SMTP) and by webhook (Teams or Slack).

Sent by sensors in the Dagster daemon: a failed run (naming the failed steps and failed blocking
checks) and a success summary after the nightly publish (late feeds: orchestration/operations/freshness.py).
Alerts carry run ids, step and check names, counts and a link to the run: never row values, so
no personal data can reach them.
"""

import json
import os
import smtplib
import urllib.request
from email.message import EmailMessage

import dagster as dg

from orchestration.operations.schedule import nightly_refresh


class Notifier(dg.ConfigurableResource):
    """Where alerts go. Every field comes from the environment (see docs/operations.md)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "insight-hub@localhost"
    smtp_to: str = ""  # comma-separated recipients
    webhook_url: str = ""
    ui_url: str = "http://127.0.0.1:3000"

    def run_link(self, run_id: str) -> str:
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"

    def send(self, subject: str, lines: list[str]) -> list[str]:
        """Send to every configured channel; returns the channels used."""
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
        return sent


def notifier_from_env() -> Notifier:
    env = os.environ.get
    return Notifier(
        smtp_host=env("INSIGHT_HUB_SMTP_HOST", ""),
        smtp_port=int(env("INSIGHT_HUB_SMTP_PORT", "25")),
        smtp_user=env("INSIGHT_HUB_SMTP_USER", ""),
        smtp_password=dg.EnvVar("INSIGHT_HUB_SMTP_PASSWORD") if env("INSIGHT_HUB_SMTP_PASSWORD") else "",
        smtp_from=env("INSIGHT_HUB_SMTP_FROM", "insight-hub@localhost"),
        smtp_to=env("INSIGHT_HUB_SMTP_TO", ""),
        webhook_url=dg.EnvVar("INSIGHT_HUB_WEBHOOK_URL") if env("INSIGHT_HUB_WEBHOOK_URL") else "",
        ui_url=env("INSIGHT_HUB_UI_URL", "http://127.0.0.1:3000"),
    )


def _failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in (r.dagster_event.event_specific_data for r in records)
        if not e.passed
    ]


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Email and webhook when any run fails, naming the failed steps and checks.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext, notifier: Notifier) -> None:
    run = context.dagster_run
    steps = sorted({e.step_key for e in context.get_step_failure_events() if e.step_key})
    checks = _failed_checks(context.instance, run.run_id)
    lines = [
        f"Run {run.run_id} of job {run.job_name} failed.",
        f"Failed steps: {', '.join(steps) or 'none (the run failed outside a step)'}",
        f"Failed checks: {', '.join(checks) or 'none'}",
        "Nothing was published by this run; the current release is unchanged.",
        f"Run in the Dagster UI: {notifier.run_link(run.run_id)}",
    ]
    notifier.send(f"run failed: {run.job_name} ({', '.join(steps) or 'run'})", lines)


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


ALERT_SENSORS = [alert_on_run_failure, summary_on_nightly_success]
