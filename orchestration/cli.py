"""`insight-hub`: the command line of the design (simulate, refresh, status, publish, rollback, ui).

The CLI only wires: it sets up the environment, runs the Dagster job in-process, and reports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.resources import REPO_ROOT, configure_environment, salt, warehouse_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    home = configure_environment()
    return args.handler(args, home)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insight-hub", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="command")

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

    p = sub.add_parser("ui", help="Dagster webserver and daemon on 127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(handler=_ui)
    return parser


def _simulate(args: argparse.Namespace, home: Path) -> int:
    from simulator import simulate

    started = time.monotonic()
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
        f"simulate: wrote {files} files ({rows} records) into {home / 'landing'} "
        f"with {summary['defects']} injected defects in {time.monotonic() - started:.1f} s"
    )
    return EXIT_OK


def _refresh(args: argparse.Namespace, home: Path) -> int:
    return _run_job(args, home, "nightly_refresh", "refresh")


def _run_job(args: argparse.Namespace, home: Path, job_name: str, command: str) -> int:
    """Run a job in-process; say what it published, or which step or blocking check failed."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.partitions import days_to_run, range_tags
    from orchestration.progress import run_config
    from orchestration.run_lock import (
        RunLockHeld,
        in_process_tags,
        other_runs_in_progress,
        release_dead_runs,
        run_lock,
    )
    from publication.release import current_release

    _, demo_salt = salt()
    if demo_salt:
        print(f"{command}: WARNING INSIGHT_HUB_SALT is not set: using the demo salt (never in production)")
    published = home / "published"
    before = current_release(published)
    started = time.monotonic()
    job = defs.resolve_job_def(job_name)
    try:
        with run_lock(home), dg.DagsterInstance.get() as instance:
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
            tool_log = home / "dbt" / "logs" / f"{command}.stdout.log"
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
    except RunLockHeld as held:
        print(f"{command}: not started: {held}", file=sys.stderr)
        return EXIT_BUSY
    after = current_release(published)

    failed_steps = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    failed_checks = [
        f"{e.event_specific_data.asset_key.to_user_string()}:{e.event_specific_data.check_name}"
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and not e.event_specific_data.passed
        and e.event_specific_data.blocking
    ]
    elapsed = time.monotonic() - started
    if job_name == "nightly_refresh":
        _print_ingestion_summary(home)
    if failed_steps or failed_checks:
        for step in failed_steps:
            print(f"{command}: FAILED step {step}")
        for check in failed_checks:
            print(f"{command}: FAILED blocking check {check}")
        print(f"{command}: nothing published; current release stays {before or 'none'} (run {result.run_id})")
        return EXIT_FAILED
    if after and after != before:
        print(f"{command}: published release {after} in {elapsed:.1f} s (run {result.run_id})")
        print(f"{command}: outputs in {published / 'current'}")
    else:
        print(f"{command}: nothing new to publish; current release is {after or 'none'}")
    return EXIT_OK


def _print_ingestion_summary(home: Path) -> None:
    rows = _query(
        home,
        """select feed_path, count(*) filter (where status <> 'quarantined'),
                  count(*) filter (where status = 'quarantined'),
                  coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined) filter
                  (where status <> 'quarantined'), 0)
           from ops.file_register group by 1 order by 1""",
    )
    for feed, loaded, quarantined, rows_loaded, rows_q in rows:
        print(
            f"refresh: {feed}: {loaded} files loaded ({rows_loaded} rows, {rows_q} rows quarantined), "
            f"{quarantined} files quarantined"
        )


def _query(home: Path, sql: str) -> list[tuple]:
    """Run a read-only query on the working warehouse; empty if it does not exist yet."""
    import duckdb

    path = warehouse_path(home)
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()


def _status(args: argparse.Namespace, home: Path) -> int:
    import dagster as dg

    from publication.release import current_release

    published = home / "published"
    current = current_release(published)
    print(f"home:            {home}")
    print(f"current release: {current or 'none published yet'}")
    if current:
        manifest = json.loads((published / "current" / "manifest.json").read_text())
        print(f"  reporting date: {manifest.get('reporting_date')}  created: {manifest['created_at']}")
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
    for feed, table, newest, files in _query(
        home,
        """select feed_path, table_name, max(file_date), count(*) from ops.file_register
           where status <> 'quarantined' group by 1, 2 order by 1, 2""",
    ):
        print(f"  {feed:<22} {table:<18} {newest}  ({files} files)")
    return EXIT_OK


def _publish(args: argparse.Namespace, home: Path) -> int:
    from publication.release import MANIFEST, current_release, list_releases, releases_dir

    if not args.status:
        return _run_job(args, home, "publish_release", "publish")
    published = home / "published"
    current = current_release(published)
    for release_id in list_releases(published):
        manifest = json.loads((releases_dir(published) / release_id / MANIFEST).read_text())
        print(
            f"{'*' if release_id == current else ' '} {release_id}  reporting date "
            f"{manifest.get('reporting_date')}  {len(manifest['tables'])} tables  run {manifest['run_id']}"
        )
    if current is None:
        print("no release published yet")
    return EXIT_OK


def _rollback(args: argparse.Namespace, home: Path) -> int:
    from orchestration.run_lock import RunLockHeld, run_lock
    from publication.release import ReleaseError, current_release, switch_current

    published = home / "published"
    before = current_release(published)
    try:
        with run_lock(home):
            switch_current(published, args.to)
    except RunLockHeld as held:
        print(f"rollback: not done: {held}", file=sys.stderr)
        return EXIT_BUSY
    except ReleaseError as error:
        print(f"rollback: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"rollback: current release {before} -> {args.to}")
    return EXIT_OK


def _evaluate_identity(args: argparse.Namespace, home: Path) -> int:
    import duckdb

    from identity.evaluation import evaluate, format_report

    truth = args.truth or home / "simulator_truth" / "persons.csv"
    if not truth.exists() or not warehouse_path(home).exists():
        print(f"evaluate-identity: needs {truth} and a refreshed warehouse in {home}", file=sys.stderr)
        return EXIT_USAGE
    con = duckdb.connect(str(warehouse_path(home)), read_only=True)
    try:
        metrics = evaluate(con, truth)
    except duckdb.CatalogException:
        print("evaluate-identity: no restricted.customer_xref: run `insight-hub refresh`", file=sys.stderr)
        return EXIT_FAILED
    finally:
        con.close()
    print(json.dumps(metrics, indent=2) if args.json else format_report(metrics))
    return EXIT_OK


def _ui(args: argparse.Namespace, home: Path) -> int:
    bin_dir = Path(sys.executable).parent
    workspace = str(REPO_ROOT / "workspace.yaml")
    env = dict(os.environ)
    daemon = subprocess.Popen(
        [str(bin_dir / "dagster-daemon"), "run", "-w", workspace], env=env, cwd=REPO_ROOT
    )
    print(
        f"ui: Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={env['DAGSTER_HOME']}); Ctrl-C stops"
    )
    try:
        return subprocess.call(
            [str(bin_dir / "dagster-webserver"), "-h", args.host, "-p", str(args.port), "-w", workspace],
            env=env,
            cwd=REPO_ROOT,
        )
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
