"""`insight-hub`: the command line of the design (simulate, refresh, status, publish, rollback, ui).

The CLI only wires: it sets up the environment, runs the Dagster job in-process, and reports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion import register
from ingestion.layout import Layout
from orchestration.resources import REPO_ROOT, InstanceConfigError, configure_environment, salt
from publication import serving_cluster

if TYPE_CHECKING:
    import dagster as dg
    import duckdb

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
# The commands that open the Dagster instance: its storage is prepared before they start.
USES_INSTANCE = {"refresh", "status", "publish", "ui", "prepare", "erase", "retention"}
# The commands that load the Dagster definitions: dbt's manifest is prepared before they start.
USES_DEFINITIONS = {"refresh", "publish", "ui", "prepare", "erase", "retention"}
NIGHTLY_JOB = "nightly_refresh"
# The commands that may start a data root; every other one reads an existing root, so a mistyped
# INSIGHT_HUB_HOME is refused rather than left behind as an empty one.
STARTS_HOME = {"simulate", "refresh", "prepare", "ui", "serve-db"}


class _Exit(Exception):
    """A command ends with this exit code; its reason is already printed."""

    def __init__(self, code: int) -> None:
        self.code = code


@contextlib.contextmanager
def _guard(command: str, *failures: type[Exception], busy: str = "not done") -> Iterator[None]:
    """One place that turns a held run lock into EXIT_BUSY and a command's expected failures into
    EXIT_FAILED, each said once on stderr as `<command>: <reason>`."""
    from orchestration.operations.run_lock import RunLockHeld

    try:
        yield
    except RunLockHeld as held:
        print(f"{command}: {busy}: {held}", file=sys.stderr)
        raise _Exit(EXIT_BUSY) from None
    except failures as error:
        print(f"{command}: {error}", file=sys.stderr)
        raise _Exit(EXIT_FAILED) from None


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    named = Layout.from_env().home
    if args.command not in STARTS_HOME and not named.is_dir():
        print(
            f"{args.command}: no data root at {named} (INSIGHT_HUB_HOME names no folder: mistyped?); "
            "`insight-hub prepare` or `insight-hub simulate` starts one",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        home = configure_environment()
    except InstanceConfigError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in USES_INSTANCE:
        from cli.instance import InstanceStorageError, prepare_instance

        try:
            for done in prepare_instance(Path(os.environ["DAGSTER_HOME"])):
                print(f"{args.command}: {done}")
        except InstanceStorageError as error:
            print(f"{args.command}: {error}", file=sys.stderr)
            return EXIT_FAILED
    if args.command in USES_DEFINITIONS:
        from orchestration.warehouse import prepare_manifest

        # Once here, before any code server starts: each would otherwise parse dbt at once into the
        # same target folder on a fresh home.
        prepare_manifest(Layout(home))
    try:
        return args.handler(args, home)
    except _Exit as exit_:
        return exit_.code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insight-hub", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="command", dest="command")

    p = sub.add_parser("simulate", help="write simulated source extracts into the landing zone")
    p.add_argument("--scale", type=float, default=0.02, help="1.0 = one Oxfordshire-sized council")
    p.add_argument(
        "--start", type=date.fromisoformat, default=date(2025, 4, 1), help="first day (YYYY-MM-DD)"
    )
    p.add_argument("--days", type=int, default=90, help="number of days of files to deliver")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--defects", type=float, default=0.01, help="defect rate per eligible file (0 = none)")
    p.set_defaults(handler=_simulate)

    p = sub.add_parser("refresh", help="ingest, build, gate and publish (the nightly job, in-process)")
    p.add_argument("--quiet", action="store_true", help="plain progress lines, no live redraw")
    p.set_defaults(handler=_refresh)

    p = sub.add_parser("status", help="current release, last run, feed freshness")
    p.set_defaults(handler=_status)

    p = sub.add_parser("publish", help="gate the current bi tables and publish a release (or --status)")
    p.add_argument("--status", action="store_true", help="list releases and which one is current")
    p.add_argument("--quiet", action="store_true", help="plain progress lines, no live redraw")
    p.set_defaults(handler=_publish)

    p = sub.add_parser("rollback", help="point `current` at an earlier release")
    p.add_argument("--to", required=True, metavar="RELEASE_ID")
    p.set_defaults(handler=_rollback)

    p = sub.add_parser("evaluate-identity", help="score customer resolution against the simulator truth")
    p.add_argument("--truth", type=Path, help="persons.csv (default: <home>/simulator_truth/persons.csv)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(handler=_evaluate_identity)

    p = sub.add_parser(
        "repair-instance", help="repair a Dagster storage stamped twice by an older version, then migrate it"
    )
    p.set_defaults(handler=_repair_instance)

    p = sub.add_parser("review-identity", help="the identity review queue: list, export, decide, import")
    review = p.add_subparsers(dest="action", required=True, metavar="action")
    r = review.add_parser("list", help="how many pairs wait for review, and the first ones (record ids only)")
    r.add_argument("--limit", type=int, default=20)
    review.add_parser("export", help="write the open queue to <home>/restricted/identity_review/queue.csv")
    r = review.add_parser("decide", help="record a decision on one pair (audited; overrides the model)")
    r.add_argument("left", help="source_system:source_record_id")
    r.add_argument("right", help="source_system:source_record_id")
    verdict = r.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--match", dest="decision", action="store_const", const="match")
    verdict.add_argument("--no-match", dest="decision", action="store_const", const="no_match")
    r.add_argument("--reviewer", required=True)
    r.add_argument("--reason", default="")
    r = review.add_parser("import", help="record the decisions filled in a queue file")
    r.add_argument("file", type=Path)
    r.add_argument("--reviewer", required=True)
    p.set_defaults(handler=_review_identity)

    p = sub.add_parser("subject-access", help="write all held on one person into a folder (audited)")
    _add_subject_options(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the JSON and CSV files")
    p.set_defaults(handler=_subject_access)

    p = sub.add_parser(
        "serve-db", help="a local PostgreSQL 15 serving database for development (start, stop, status)"
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument(
        "--port", type=int, default=serving_cluster.DEFAULT_PORT, help="on 127.0.0.1 (default %(default)s)"
    )
    p.set_defaults(handler=_serve_db)

    p = sub.add_parser("erase", help="erase one person everywhere, rebuild and publish (audited)")
    _add_subject_options(p)
    p.add_argument("--quiet", action="store_true", help="plain progress lines, no live redraw")
    p.set_defaults(handler=_erase)

    p = sub.add_parser(
        "retention", help="apply the retention schedule now, rebuild and publish (audited), or --dry-run"
    )
    p.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day periods count back from (default and latest: the warehouse's reporting date)",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would go; change nothing")
    p.add_argument("--quiet", action="store_true", help="plain progress lines, no live redraw")
    p.set_defaults(handler=_retention)

    p = sub.add_parser(
        "prepare",
        help="ready the data root for Dagster's own tools: folders, storage, dbt's manifest",
    )
    p.set_defaults(handler=_prepare)

    p = sub.add_parser("ui", help="Dagster webserver and daemon on 127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--wait", type=float, default=300, help="seconds to wait for the code location to load (default 300)"
    )
    p.set_defaults(handler=_ui)
    return parser


def _simulate(args: argparse.Namespace, home: Path) -> int:
    from simulator import simulate

    started = time.monotonic()
    layout = Layout(home)
    summary = simulate(
        home,
        scale=args.scale,
        start=args.start,
        days=args.days,
        seed=args.seed,
        defects=args.defects,
        progress=lambda message: print(f"simulate: {message}", flush=True),
    )
    files = sum(summary["files"].values())
    rows = sum(summary["rows"].values())
    print(
        f"simulate: wrote {files} files ({rows} records) into {layout.landing} "
        f"with {summary['defects']} injected defects in {time.monotonic() - started:.1f} s"
    )
    return EXIT_OK


def _refresh(args: argparse.Namespace, home: Path) -> int:
    return _run_job(args, home, NIGHTLY_JOB, "refresh")


def _run_job(args: argparse.Namespace, home: Path, job_name: str, command: str) -> int:
    """Run a job in-process; say what it published, or which step or blocking check failed."""
    import dagster as dg

    from cli.progress import run_config
    from orchestration.ingestion import days_to_run, range_tags
    from orchestration.operations.run_lock import (
        in_process_tags,
        other_runs_in_progress,
        release_dead_runs,
        run_lock,
    )
    from publication.release import current_release

    _, demo_salt = salt()
    if demo_salt:
        print(f"{command}: WARNING INSIGHT_HUB_SALT is not set: using the demo salt (never in production)")
    layout = Layout(home)
    published = layout.published
    before = current_release(published.root)
    started = time.monotonic()
    run_start = register.clock()  # what this run registers is what it loaded or refused
    job = _job(job_name)
    with _guard(command, busy="not started"), run_lock(home), dg.DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance, lock_held=True):
            print(f"{command}: run {run_id} was left unfinished by a process that died: marked failed")
        if busy := other_runs_in_progress(instance):
            print(
                f"{command}: not started: run {busy[0].run_id} of {busy[0].job_name} is in progress "
                "(launched by the Dagster daemon); try again when it has finished",
                file=sys.stderr,
            )
            return EXIT_BUSY
        # dagster-dbt echoes dbt's own log lines to stdout: keep them in a file, not on screen.
        tool_log = layout.dbt_logs / f"{command}.stdout.log"
        tool_log.parent.mkdir(parents=True, exist_ok=True)
        with tool_log.open("w", encoding="utf-8") as raw, contextlib.redirect_stdout(raw):
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=run_config(args.quiet),
                tags={
                    **in_process_tags(),
                    **(range_tags(days_to_run(home)) if job.partitions_def else {}),
                },
            )
    after = current_release(published.root)

    failed_steps = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    reasons = [_failure_reason(e) for e in failed_steps]
    failed_checks = _failed_blocking_checks(result.all_events, reasons)
    elapsed = time.monotonic() - started
    if job_name == NIGHTLY_JOB:
        _print_ingestion_summary(home, run_start)
    # Exit codes tell the truth: any run that did not succeed exits non-zero, whatever the cause.
    if not result.success or failed_steps or failed_checks:
        for event, reason in zip(failed_steps, reasons, strict=True):
            print(f"{command}: FAILED step {event.step_key}: {reason}")
        for line in failed_checks:
            print(f"{command}: {line}")
        if not failed_steps and not failed_checks:
            print(f"{command}: the run did not succeed (status {_run_status(result)})")
        if after != before:
            print(f"{command}: the run failed after switching `current` to {after} (run {result.run_id})")
        else:
            stays = before or "none"
            print(f"{command}: nothing published; current release stays {stays} (run {result.run_id})")
        return EXIT_FAILED
    if after and after != before:
        print(f"{command}: published release {after} in {elapsed:.1f} s (run {result.run_id})")
        print(f"{command}: outputs in {published.current}")
    else:
        print(f"{command}: nothing new to publish; current release is {after or 'none'}")
    return EXIT_OK


def _job(name: str) -> dg.JobDefinition:
    """A job of the definitions (loaded once main prepared dbt's manifest), with the CLI's own
    progress logger added."""
    import dagster as dg

    from cli.progress import progress_logger
    from orchestration.definitions import load_definitions

    with_progress = dg.Definitions(loggers={"progress": progress_logger})
    return dg.Definitions.merge(load_definitions(), with_progress).resolve_job_def(name)


def _failed_blocking_checks(events: list[dg.DagsterEvent], reasons: list[str]) -> list[str]:
    """Each blocking check that failed in the run, with the columns it found wrong (its
    `failed_columns` metadata, never values) worded as the release step's refusal words them, then
    that refusal's advice - unless a failed step's reason (the refusal itself) already gave it."""
    import dagster as dg

    from orchestration.policy import columns_failed
    from publication.gate import WHAT_TO_DO, in_columns

    failed = [
        e.event_specific_data
        for e in events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and not e.event_specific_data.passed
        and e.event_specific_data.blocking
    ]
    lines = [
        f"FAILED blocking check {c.asset_key.to_user_string()}:{c.check_name}{in_columns(columns_failed(c))}"
        for c in failed
    ]
    advised = any(WHAT_TO_DO in reason for reason in reasons)
    return [*lines, WHAT_TO_DO] if lines and not advised else lines


def _failure_reason(event) -> str:
    """What a failed step said: a refusal in full (which checks, what to do), else the error's first line."""
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    error = data.error
    while error is not None and error.cause is not None:  # the root cause says what went wrong
        error = error.cause
    message = error.message.strip() if error else ""
    return message.splitlines()[0] if message else "no message"


def _run_status(result) -> str:
    run = result.dagster_run
    return run.status.value if run else "unknown"


def _print_ingestion_summary(home: Path, run_start: datetime) -> None:
    """What this run loaded and refused per feed, then the history's totals, labelled as such."""
    this_run = _read(home, lambda con: register.feed_totals(con, since=run_start))
    if not this_run:
        print("refresh: this run: no new file (nothing loaded or quarantined)")
    for feed, loaded, quarantined, rows_loaded, rows_q in this_run:
        print(
            f"refresh: this run: {feed}: {loaded} files loaded ({rows_loaded} rows, {rows_q} rows "
            f"quarantined), {quarantined} files quarantined"
        )
    history = _read(home, register.feed_totals)
    print(
        f"refresh: all runs so far: {sum(r[1] for r in history)} files loaded "
        f"({sum(r[3] for r in history)} rows), {sum(r[2] for r in history)} files quarantined"
    )


def _read(home: Path, query: Callable[[duckdb.DuckDBPyConnection], list[tuple]]) -> list[tuple]:
    """Run a read-only register query on the working warehouse; empty if it does not exist yet."""
    import duckdb

    path = Layout(home).warehouse
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        return query(con)
    except duckdb.CatalogException:
        return []
    finally:
        con.close()


def _status(args: argparse.Namespace, home: Path) -> int:
    import dagster as dg

    from publication.audiences import set_lines
    from publication.release import current_manifest, current_release

    published = Layout(home).published
    current = current_release(published.root)
    print(f"home:            {home}")
    print(f"current release: {current or 'none published yet'}")
    if current:
        manifest = current_manifest(published.root)
        print(f"  reporting date: {manifest.get('reporting_date')}  created: {manifest['created_at']}")
        for line in set_lines(manifest, published.current):
            print(line)
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if runs:
            run = runs[0]
            stats = instance.get_run_stats(run.run_id)
            ended = (
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stats.end_time)) if stats.end_time else "-"
            )
            print(f"last run:        {run.job_name} {run.run_id} {run.status.value} (ended {ended})")
        else:
            print("last run:        none yet")
    print("feeds (newest file loaded):")
    for feed, table, newest, files in _read(home, register.newest_loaded_per_feed):
        print(f"  {feed:<22} {table:<18} {newest}  ({files} files)")
    return EXIT_OK


def _publish(args: argparse.Namespace, home: Path) -> int:
    from ingestion.layout import Release
    from publication.release import current_release, list_releases

    if not args.status:
        return _run_job(args, home, "publish_release", "publish")
    published = Layout(home).published
    current = current_release(published.root)
    for release_id in list_releases(published.root):
        manifest = json.loads(Release(published.release(release_id)).manifest.read_text())
        print(
            f"{'*' if release_id == current else ' '} {release_id}  reporting date "
            f"{manifest.get('reporting_date')}  {len(manifest['tables'])} tables  run {manifest['run_id']}"
        )
    if current is None:
        print("no release published yet")
    return EXIT_OK


def _rollback(args: argparse.Namespace, home: Path) -> int:
    from orchestration.operations.run_lock import run_lock
    from orchestration.warehouse import dbt_project
    from publication.descriptions import dbt_docs
    from publication.release import ReleaseError, current_release, switch_current

    layout = Layout(home)
    published = layout.published.root
    before = current_release(published)
    url = serving_cluster.serving_url()
    with _guard("rollback", ReleaseError), run_lock(home):
        switch_current(published, args.to)
        if url:  # the serving database follows, or the files switch back
            from publication import serving

            try:
                serving.publish(
                    url,
                    layout.published.release(args.to),
                    dbt_docs(dbt_project(layout).manifest_path),
                )
            except BaseException as error:
                if before:
                    switch_current(published, before)
                if not isinstance(error, serving.ServingError):
                    raise
                print(f"rollback: {error}; current release stays {before}", file=sys.stderr)
                return EXIT_FAILED
    print(f"rollback: current release {before} -> {args.to}" + (" (and the serving database)" if url else ""))
    return EXIT_OK


def _serve_db(args: argparse.Namespace, home: Path) -> int:
    from publication.serving_cluster import Cluster, ClusterError

    cluster = Cluster(Layout(home).serving_db, port=args.port)
    with _guard("serve-db", ClusterError):
        if args.action == "start":
            url = cluster.start()
            print(f"serve-db: running; export INSIGHT_HUB_SERVING_URL='{url}'")
        elif args.action == "stop":
            cluster.stop()
            print("serve-db: stopped")
        else:
            print(f"serve-db: {cluster.status()}")
    return EXIT_OK


def _evaluate_identity(args: argparse.Namespace, home: Path) -> int:
    import duckdb

    from identity.evaluation import InsufficientOverlap, evaluate, format_report

    layout = Layout(home)
    truth = args.truth or layout.simulator_truth / "persons.csv"
    if not truth.exists() or not layout.warehouse.exists():
        print(f"evaluate-identity: needs {truth} and a refreshed warehouse in {home}", file=sys.stderr)
        return EXIT_USAGE
    con = duckdb.connect(str(layout.warehouse), read_only=True)
    try:
        metrics = evaluate(con, truth)
    except duckdb.CatalogException:
        print("evaluate-identity: no restricted.customer_xref: run `insight-hub refresh`", file=sys.stderr)
        return EXIT_FAILED
    except InsufficientOverlap as error:
        print(f"evaluate-identity: refusing to score: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        con.close()
    print(json.dumps(metrics, indent=2) if args.json else format_report(metrics))
    return EXIT_OK


def _repair_instance(args: argparse.Namespace, home: Path) -> int:
    from cli.instance import InstanceStorageError, repair_instance
    from orchestration.operations.run_lock import run_lock

    with _guard("repair-instance", InstanceStorageError), run_lock(home):
        done = repair_instance(Path(os.environ["DAGSTER_HOME"]))
    for line in done:
        print(f"repair-instance: {line}")
    print(f"repair-instance: the Dagster storage in {os.environ['DAGSTER_HOME']} is ready")
    return EXIT_OK


def _review_identity(args: argparse.Namespace, home: Path) -> int:
    """The review queue and reviewers' decisions; they take effect on the next run."""
    import duckdb

    from identity import review
    from orchestration.operations.run_lock import run_lock

    command = f"review-identity {args.action}"
    if not Layout(home).warehouse.exists():
        print(f"{command}: no warehouse in {home}: run `insight-hub refresh`", file=sys.stderr)
        return EXIT_USAGE
    with (
        _guard(command, review.ReviewError, OSError),
        run_lock(home),
        duckdb.connect(str(Layout(home).warehouse)) as con,
    ):
        if (
            args.action in ("list", "export")
            and not con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'restricted' "
                "and table_name = 'identity_review'"
            ).fetchall()[0][0]
        ):
            print(f"{command}: no review queue yet: run `insight-hub refresh`", file=sys.stderr)
            return EXIT_FAILED
        if args.action == "list":
            total, open_ = con.execute(
                "select count(*), count(*) filter (where decision is null) from restricted.identity_review"
            ).fetchall()[0]
            print(
                f"{command}: {open_} pairs to review ({total} in the band "
                f"[{review.REVIEW_LOW}, {review.REVIEW_HIGH}))"
            )
            for row in con.execute(
                "select unique_id_l, unique_id_r, match_probability, same_customer "
                "from restricted.identity_review where decision is null "
                "order by match_probability desc, unique_id_l, unique_id_r limit ?",
                [args.limit],
            ).fetchall():
                print(f"  {row[0]}  {row[1]}  p={row[2]:.4f}  {'linked' if row[3] else 'apart'}")
            print(f"  dashboards: {review.review_dir(home)}")
        elif args.action == "export":
            print(f"{command}: wrote {review.export_queue(con, home)}")
        elif args.action == "decide":
            pair = review.record_decision(
                con, args.left, args.right, args.decision, args.reviewer, args.reason
            )
            print(f"{command}: recorded {args.decision} for {pair[0]} {pair[1]}; applies from the next run")
        else:
            n = review.record_file(con, args.file, args.reviewer)
            print(f"{command}: recorded {n} decisions from {args.file}; they apply from the next run")
    return EXIT_OK


def _add_subject_options(p: argparse.ArgumentParser) -> None:
    """--system and --record (one of the person's source records), or --customer-key."""
    p.add_argument(
        "--system",
        help="source system of the record: crm, eforms, a person index system, or ibc_hr (staff, by PERNR: "
        "subject access only)",
    )
    p.add_argument("--record", metavar="RECORD_ID", help="the record's id in that system")
    p.add_argument("--customer-key", metavar="KEY", help="the person's pseudonymous customer key")


def _subject_args(args: argparse.Namespace) -> dict[str, str | None]:
    if (args.customer_key is None) == (args.record is None) or (args.record is not None) != (
        args.system is not None
    ):
        raise SystemExit(f"{args.command}: give --system and --record, or --customer-key")
    return {"system": args.system, "record_id": args.record, "customer_key": args.customer_key}


def _subject_access(args: argparse.Namespace, home: Path) -> int:
    """A subject access request, answered from the working warehouse and recorded in the governance log."""
    import duckdb

    from identity.governance import GovernanceError
    from identity.subjects import subject_access
    from orchestration.operations.run_lock import run_lock

    subject = _subject_args(args)
    layout = Layout(home)
    out = args.out.resolve()
    if out.is_relative_to(home):
        print(f"subject-access: --out must be outside {home}: the files hold personal data", file=sys.stderr)
        return EXIT_USAGE
    if not layout.warehouse.exists():
        print(f"subject-access: no warehouse in {home}: run `insight-hub refresh`", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    with (
        _guard("subject-access", GovernanceError),
        run_lock(home),
        duckdb.connect(str(layout.warehouse)) as con,
    ):
        found, counts = subject_access(con, salt()[0], out, home, **subject)
    print(
        f"subject-access: {found.records} source records ({', '.join(found.systems)}), "
        f"{found.calls} calls, {found.customer_keys} customer; {sum(counts.values())} rows from "
        f"{len(counts)} tables written to {out} in {time.monotonic() - started:.1f} s "
        "(logged in ops.governance_log)"
    )
    return EXIT_OK


def _erase(args: argparse.Namespace, home: Path) -> int:
    """Erase a person from the working data, rebuild and publish without them, withdraw the releases
    built before, and compact the warehouse so the deleted rows' bytes are gone."""
    import duckdb

    from identity import erasure
    from identity.governance import GovernanceError
    from orchestration.operations.run_lock import run_lock

    subject = _subject_args(args)
    layout = Layout(home)
    if not layout.warehouse.exists():
        print(f"erase: no warehouse in {home}: run `insight-hub refresh`", file=sys.stderr)
        return EXIT_USAGE
    with _guard("erase", GovernanceError), run_lock(home), duckdb.connect(str(layout.warehouse)) as con:
        done = erasure.erase(con, home, salt()[0], **subject)
    found = done.subject
    print(
        f"erase: {found.records} source records ({', '.join(found.systems)}), {found.calls} calls: "
        f"{sum(done.rows.values())} rows from {len(done.rows)} tables, {done.lines_removed} lines from "
        f"{done.files_rewritten} delivered files (logged in ops.governance_log)"
    )
    return _rebuild_after_removal(args, home, "erase", done.erased_at, "the person")


def _rebuild_after_removal(
    args: argparse.Namespace, home: Path, command: str, removed_at: str, held: str
) -> int:
    """After `erase` or `retention` removed records at `removed_at` (a release id): rebuild and publish
    without them (the nightly job), withdraw every release built before (files and serving schemas:
    they hold `held`) and compact the warehouse so the deleted rows' bytes are gone.

    A nightly run that succeeds has done the last two itself (its `governance/warehouse_compaction`
    runs after the release for any removal it has not covered): the warehouse is compacted once. Only
    when the rebuild did not succeed (or did not start) does this command do them."""
    from identity import erasure
    from orchestration.operations.run_lock import RunLockHeld, run_lock

    layout = Layout(home)
    # The releases holding what went: the nightly run's compaction withdraws them, or this command does.
    holding = erasure.releases_before(layout.published.root, removed_at)
    try:
        code = _run_job(args, home, NIGHTLY_JOB, command)
    except _Exit as exit_:  # the rebuild did not start; the releases holding it still go
        code = exit_.code
    if code == EXIT_OK:
        print(erasure.withdrawal_report(layout.published.root, holding, removed_at, command, held))
        print(f"{command}: warehouse compacted by the nightly run (governance/warehouse_compaction)")
        return code
    try:
        with run_lock(home):
            erasure.withdraw_releases(layout.published.root, removed_at)
            served, still_held = erasure.withdraw_served(removed_at)
            before, after = erasure.compact(layout.warehouse)
    except RunLockHeld as lock:
        print(
            f"{command}: releases not withdrawn, warehouse not compacted yet: {lock}; the next nightly "
            "run does both (governance/warehouse_compaction)",
            file=sys.stderr,
        )
        return EXIT_BUSY
    print(erasure.withdrawal_report(layout.published.root, holding, removed_at, command, held))
    if served or still_held:
        print(
            f"{command}: serving database: dropped {len(served)} release schemas built before the removal"
            + (
                f"; held by a reader, dropped by the next nightly run: {', '.join(still_held)}"
                * bool(still_held)
            )
        )
    print(f"{command}: warehouse compacted: {before} -> {after} bytes")
    print(f"{command}: the rebuild did not publish: nothing is served until a run publishes", file=sys.stderr)
    return code


def _retention(args: argparse.Namespace, home: Path) -> int:
    """Apply the retention schedule now, as the nightly run does (the same function), then rebuild,
    withdraw and compact as `erase` does; or, with --dry-run, say per data class what would go."""
    import duckdb

    from identity import erasure, retention
    from identity.governance import GovernanceError
    from orchestration.operations.run_lock import run_lock

    layout = Layout(home)
    if not layout.warehouse.exists():
        print(f"retention: no warehouse in {home}: run `insight-hub refresh`", file=sys.stderr)
        return EXIT_USAGE
    removed_at = erasure.release_id_at(datetime.now(UTC))  # releases built before hold what goes
    with _guard("retention", GovernanceError), run_lock(home), duckdb.connect(str(layout.warehouse)) as con:
        day = retention.retention_day(con, args.as_of)
        if day is None:
            print("retention: the warehouse has no reporting date yet: nothing is past its period")
            return EXIT_OK
        if args.dry_run:
            classes = retention.preview(con, home, day)
        else:
            classes = retention.apply(con, home, salt()[0], day)
    verb = "would go" if args.dry_run else "removed"
    print(f"retention: as of {day}{' (dry run: nothing changed)' if args.dry_run else ''}")
    for c in classes:
        print(
            f"retention: {c.data_class}: cut-off {c.cutoff}: {c.records} records, {c.rows} rows, "
            f"{c.files_rewritten} delivered files {verb}"
        )
    if args.dry_run:
        return EXIT_OK
    if not classes:
        print("retention: nothing was past its period: nothing to rebuild")
        return EXIT_OK
    print("retention: logged in ops.governance_log")
    return _rebuild_after_removal(args, home, "retention", removed_at, "the removed records")


def _prepare(args: argparse.Namespace, home: Path) -> int:
    """What `dagster` commands on workspace.yaml need first (main has done it): a deployment step."""
    print(f"prepare: {home} is ready: INSIGHT_HUB_HOME={home} DAGSTER_HOME={os.environ['DAGSTER_HOME']}")
    return EXIT_OK


def _ui(args: argparse.Namespace, home: Path) -> int:
    """Start the daemon and the webserver, wait until the code location has loaded with the
    nightly job (or fail with the load error), then serve until Ctrl-C or SIGTERM stops both."""
    bin_dir = Path(sys.executable).parent
    workspace = str(REPO_ROOT / "workspace.yaml")
    url = f"http://{_client_host(args.host)}:{args.port}"
    commands = {
        "daemon": [str(bin_dir / "dagster-daemon"), "run", "-w", workspace],
        "webserver": [
            *[str(bin_dir / "dagster-webserver"), "-h", args.host, "-p", str(args.port)],
            *["-w", workspace],
        ],
    }
    processes: dict[str, subprocess.Popen] = {}
    previous = signal.signal(signal.SIGTERM, _interrupt)
    _adopt_orphans()
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, cwd=REPO_ROOT)
        dagster_home = os.environ["DAGSTER_HOME"]
        print(f"ui: starting the Dagster webserver on {url} and the daemon (DAGSTER_HOME={dagster_home})")
        loaded, failure = _wait_until_loaded(url, processes, args.wait)
        if failure:
            print(f"ui: not ready: {failure}", file=sys.stderr)
            return EXIT_FAILED
        print(f"ui: ready on {url}: code location {loaded} loaded with job {NIGHTLY_JOB}; Ctrl-C stops")
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"ui: the {name} stopped (exit code {process.returncode})", file=sys.stderr)
                    return EXIT_FAILED
            _reap_adopted(list(processes.values()))
            time.sleep(1)
    except KeyboardInterrupt:
        print("ui: stopping the webserver and the daemon")
        return EXIT_OK
    finally:
        _stop(list(processes.values()))
        signal.signal(signal.SIGTERM, previous)


LOCATIONS = """{ workspaceOrError { __typename
  ... on PythonError { message }
  ... on Workspace { locationEntries { name loadStatus locationOrLoadError { __typename
    ... on PythonError { message causes { message } }
    ... on RepositoryLocation { repositories { jobs { name } } } } } } } }"""


def _wait_until_loaded(
    url: str, processes: dict[str, subprocess.Popen], limit: float
) -> tuple[str | None, str | None]:
    """Poll the webserver's GraphQL until every code location has loaded: (location, None) when
    one has the nightly job, (None, reason) when a location failed, a process died or time ran out."""
    import urllib.request

    deadline = time.monotonic() + limit
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": LOCATIONS}).encode(),
        headers={"Content-Type": "application/json"},
    )
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                return None, f"the {name} exited (code {process.returncode}) before the code location loaded"
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                workspace = json.loads(response.read())["data"]["workspaceOrError"]
        except (OSError, ValueError):  # not listening yet, or answering before it is up
            time.sleep(0.5)
            continue
        if workspace["__typename"] == "PythonError":
            return None, f"the workspace failed to load: {workspace['message'].strip()}"
        entries = workspace["locationEntries"]
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            for entry in entries:
                location = entry["locationOrLoadError"]
                if location["__typename"] == "PythonError":
                    causes = [c["message"].strip() for c in location["causes"]]
                    reason = "\n".join([location["message"].strip(), *causes])
                    return None, f"code location {entry['name']} failed to load: {reason}"
                jobs = {job["name"] for repository in location["repositories"] for job in repository["jobs"]}
                if NIGHTLY_JOB in jobs:
                    return entry["name"], None
            return None, f"no code location has the job {NIGHTLY_JOB}"
        time.sleep(0.5)
    return None, f"the code location did not load within {limit:.0f} s (--wait to allow longer)"


def _client_host(host: str) -> str:
    """Where to reach a server bound to `host` from this machine."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the UI as Ctrl-C does (the children are stopped on the way out)."""
    raise KeyboardInterrupt


def _adopt_orphans() -> None:
    """Make this command the child subreaper (Linux `prctl(PR_SET_CHILD_SUBREAPER)`): a process a
    child leaves behind when it exits - a run the daemon launched while it was shutting down - is
    re-parented here rather than to init, so the shutdown can still find and stop it."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # 36 = PR_SET_CHILD_SUBREAPER


def _reap_adopted(own: list[subprocess.Popen]) -> None:
    """Collect the exit status of adopted processes that have ended (else they stay zombies while the
    UI serves); the daemon and the webserver are left to their Popen objects."""
    import psutil

    mine = {process.pid for process in own}
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error, ChildProcessError):
            if child.pid not in mine and child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)


def _stop(processes: list[subprocess.Popen], grace: float = 60) -> None:
    """Stop the daemon and the webserver (SIGTERM: each shuts its code servers down), then make
    sure no descendant of theirs is left running, including one started during the shutdown."""
    import psutil

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
    descendants = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            descendants += psutil.Process(process.pid).children(recursive=True)
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _, alive = psutil.wait_procs(descendants, timeout=max(deadline - time.monotonic(), 5))
    # Launched after the list above was taken, and adopted here (_adopt_orphans) when its parent exited.
    late = [p for p in psutil.Process().children(recursive=True) if p not in descendants]
    for process in late:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, late_alive = psutil.wait_procs(late, timeout=10)
    alive += late_alive
    for leftover in alive:
        with contextlib.suppress(psutil.Error):
            leftover.kill()
    psutil.wait_procs(alive, timeout=5)
    if alive:
        print(f"ui: killed {len(alive)} process(es) still running after {grace:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
