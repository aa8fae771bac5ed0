"""Progress of an in-process run for the CLI: stage, step, rows and elapsed time.

On a terminal the current step is redrawn on one line; elsewhere (CI, pipes) or with --quiet each
finished step is one plain log line. Only step names and counts are printed, never row values.
"""

import logging
import sys
import time

import dagster as dg

STAGES = {
    "raw": "ingestion",
    "staging": "staging",
    "reference": "staging",
    "intermediate": "intermediate",
    "restricted": "identity",
    "bi": "marts",
    "publication": "publication",
    "dbt_models": "dbt",
    "dbt_models_restatements": "dbt",
    "ops": "restatements",  # ops__restatements: KPI marts against the previous release
    "csc_forecast": "forecast",
    "dbt_forecast_marts": "dbt",
    "feed_freshness_checks": "checks",
}


class ProgressHandler(logging.Handler):
    def __init__(self, live: bool) -> None:
        super().__init__()
        self.live = live
        self.started = time.monotonic()
        self.steps_done = 0
        self.counted: set[str] = set()

    def _print(self, text: str, final: bool) -> None:
        # The process's real stdout: the CLI sends the tools' own output (dbt's log lines) to a file.
        out = sys.__stdout__
        stamp = f"[{time.monotonic() - self.started:6.1f}s]"
        if self.live:
            out.write(f"\r\033[K{stamp} {text}" + ("\n" if final else ""))
        elif final:
            out.write(f"{stamp} {text}\n")
        out.flush()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None or event.step_key is None:
            return
        stage = STAGES.get(event.step_key.split("__")[0], "run")
        if event.event_type == dg.DagsterEventType.STEP_START:
            self._print(f"{stage:<12} {event.step_key} ...", final=False)
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            self.steps_done += 1
            self._print(f"{stage:<12} {event.step_key} done ({self.steps_done} steps)", final=True)
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            self._print(f"{stage:<12} {event.step_key} FAILED", final=True)
        elif (
            event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
            and event.step_key not in self.counted
        ):
            # A daily feed's step over a range of days records one materialisation per day, each
            # with the step's counts: say them once.
            meta = event.event_specific_data.materialization.metadata
            if "rows_loaded" in meta:
                self.counted.add(event.step_key)
                rows, files = meta["rows_loaded"].value, meta.get("files_processed")
                self._print(
                    f"{stage:<12} {event.step_key}: {files.value if files else 0} files, {rows} rows loaded",
                    final=not self.live,
                )


@dg.logger(
    config_schema={"live": dg.Field(bool, default_value=False)},
    description="Concise progress lines for the insight-hub CLI.",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("insight_hub.progress")
    logger.handlers = [ProgressHandler(live=init_context.logger_config["live"])]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


def run_config(quiet: bool) -> dict:
    """Loggers for a CLI run: warnings from Dagster itself, and our progress lines."""
    live = sys.stdout.isatty() and not quiet
    return {
        "loggers": {
            "console": {"config": {"log_level": "WARNING"}},
            "progress": {"config": {"live": live}},
        }
    }
