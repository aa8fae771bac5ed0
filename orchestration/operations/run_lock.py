"""One in-process run at a time per INSIGHT_HUB_HOME, and no run left behind by a process that died.

`insight-hub refresh` and `publish` run their job in their own process (execute_in_process), outside
the daemon's run queue. Two of them at once would interleave their DuckDB writes between steps, so
each holds an exclusive lock on `<home>/.run.lock` for the whole run. It is an flock: the kernel
releases it when the holder dies, however it dies, so a crash never leaves a stale lock. A second
command refuses at once and says who holds the lock (the first one is doing the work).

A process killed during a run (SIGKILL, out of memory, power loss) leaves its Dagster run STARTED in
run storage and its `duckdb_writers` pool slot claimed. Then the daemon's queue
(max_concurrent_runs: 1) would start no other run, the landing sensor would wait for ever, and the
next run's first step would wait for the slot for ever. In-process runs carry the tag
`insight_hub/in_process` (host and pid); such a run whose process is gone is marked failed and its
slots freed: by the next command (which holds the lock, so no other in-process run can be alive),
and every minute by the daemon's `release_dead_runs` sensor (for runs of this host whose pid is gone).
"""

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from ingestion.layout import Layout

IN_PROCESS_TAG = "insight_hub/in_process"
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


class RunLockHeld(RuntimeError):
    """Another command of this home is running a job."""


@contextmanager
def run_lock(home: Path) -> Iterator[None]:
    """Hold `<home>/.run.lock` for the duration, or raise RunLockHeld at once if another process does."""
    path = Layout(home).run_lock
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise RunLockHeld(f"a run of this home is in progress ({holder} holds {path})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def in_process_tags() -> dict[str, str]:
    """Tags of a run executed in this process, so that a later process can tell it died."""
    return {IN_PROCESS_TAG: f"{socket.gethostname()}:{os.getpid()}"}


def _process_gone(tag: str, lock_held: bool) -> bool:
    """Is the process a tag names gone? Only decidable on its own host; elsewhere assume it lives.

    On this host, while the caller holds the home's lock, it is gone: it would hold the lock.
    """
    host, _, pid = tag.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if lock_held:
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def release_dead_runs(instance: dg.DagsterInstance, lock_held: bool) -> list[str]:
    """Mark unfinished in-process runs whose process died as failed and free their pool slots.

    Only runs of this host are judged. With `lock_held` the caller holds the home's run lock, so
    every such run is dead (its process would hold the lock); without it, those whose pid is gone.
    """
    released = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        tag = run.tags.get(IN_PROCESS_TAG)
        if tag is None or not _process_gone(tag, lock_held):
            continue
        instance.report_run_failed(
            run,
            message=f"The process that ran this run in-process ({tag}) died before it finished "
            "(killed or crashed); marked failed so that later runs are not blocked.",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def other_runs_in_progress(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Unfinished runs that were not started in-process (the daemon launched them)."""
    return [
        run
        for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED))
        if IN_PROCESS_TAG not in run.tags
    ]


@dg.sensor(
    name="release_dead_runs",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed any run started in-process (insight-hub refresh/publish) whose process "
    "died, and frees its pool slot, so that a killed run never blocks the queue or the landing sensor.",
)
def release_dead_runs_sensor(context: dg.SensorEvaluationContext):
    released = release_dead_runs(context.instance, lock_held=False)
    if released:
        return dg.SkipReason(
            f"marked failed {len(released)} run(s) whose process died: {', '.join(released)}"[:1000]
        )
    return dg.SkipReason("no in-process run left unfinished by a dead process")
