"""Dagster's storage follows the configuration at each launch: SQLite under the data root by default,
PostgreSQL (dagster-postgres) when INSIGHT_HUB_DAGSTER_STORAGE_URL names a database; one function
writes dagster.yaml; the pool and the run guard hold on the shared storage, and nothing goes to
SQLite then."""

import os
import socket
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from cli import main as cli
from cli.instance import STORAGE_DATABASES, InstanceStorageError, prepare_instance
from ingestion.layout import Layout
from orchestration.operations.run_lock import other_runs_in_progress, release_dead_runs
from orchestration.operations.schedule import JOB
from orchestration.resources import (
    DAGSTER_DRIVER_VARIABLE,
    DAGSTER_STORAGE_VARIABLE,
    InstanceConfigError,
    configure_environment,
    write_instance_config,
)

POOL = "duckdb_writers"
# What configure_environment sets from the data root: saved so that each test's monkeypatch restores it.
DERIVED = ("INSIGHT_HUB_HOME", "DAGSTER_HOME", "DBT_TARGET_PATH", "DBT_LOG_PATH")


@pytest.fixture
def launch_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A monkeypatch that also puts back what the CLI's configure_environment derives."""
    for name in DERIVED:
        monkeypatch.setenv(name, os.environ[name])
    for name in (DAGSTER_STORAGE_VARIABLE, DAGSTER_DRIVER_VARIABLE):  # unset now, and again afterwards
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return monkeypatch


def test_without_a_storage_url_the_instance_is_sqlite_under_the_data_root(tmp_path, launch_env):
    dagster_home = tmp_path / "dagster"
    prepare_instance(dagster_home)
    assert "storage:" not in (dagster_home / "dagster.yaml").read_text()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    assert all((dagster_home / database).exists() for database in STORAGE_DATABASES)


def test_dagster_yaml_follows_the_environment_at_each_launch_and_never_holds_the_url(tmp_path, launch_env):
    dagster_home = tmp_path / "dagster"
    launch_env.setenv(DAGSTER_STORAGE_VARIABLE, "postgresql://insight:s3cret@db.example:5432/dagster")
    text = write_instance_config(dagster_home).read_text()
    assert f"env: {DAGSTER_DRIVER_VARIABLE}" in text and "postgres_url" in text
    assert (
        os.environ[DAGSTER_DRIVER_VARIABLE] == "postgresql+psycopg2://insight:s3cret@db.example:5432/dagster"
    )
    assert "s3cret" not in text and "db.example" not in text
    assert "max_concurrent_runs: 1" in text and "default_limit: 1" in text  # the guards, whatever the storage

    launch_env.delenv(DAGSTER_STORAGE_VARIABLE)
    text = write_instance_config(dagster_home).read_text()
    assert "storage:" not in text and "max_concurrent_runs: 1" in text
    assert DAGSTER_DRIVER_VARIABLE not in os.environ


def test_a_storage_url_that_is_not_postgresql_is_refused_at_launch(tmp_path, launch_env, capsys):
    (tmp_path / "home").mkdir()
    launch_env.setenv("INSIGHT_HUB_HOME", str(tmp_path / "home"))
    launch_env.setenv(DAGSTER_STORAGE_VARIABLE, "sqlite:////tmp/dagster.db")
    with pytest.raises(InstanceConfigError, match="must be a postgresql:// URL .*got sqlite"):
        configure_environment()
    assert cli.main(["status"]) == cli.EXIT_USAGE
    assert f"status: {DAGSTER_STORAGE_VARIABLE} must be a postgresql:// URL" in capsys.readouterr().err


def test_an_unreachable_storage_database_is_named_without_its_password(tmp_path, launch_env, capsys):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    launch_env.setenv(DAGSTER_STORAGE_VARIABLE, f"postgresql://insight:s3cret@127.0.0.1:{port}/dagster")
    with pytest.raises(InstanceStorageError, match=f"cannot use .* named by {DAGSTER_STORAGE_VARIABLE}") as e:
        prepare_instance(tmp_path / "dagster")
    assert "s3cret" not in str(e.value) and str(port) in str(e.value)
    (tmp_path / "home").mkdir()
    launch_env.setenv("INSIGHT_HUB_HOME", str(tmp_path / "home"))
    assert cli.main(["status"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert f"status: cannot use the Dagster storage database named by {DAGSTER_STORAGE_VARIABLE}" in err
    assert "s3cret" not in err


def test_postgresql_storage_is_created_once_and_the_pool_holds_there(
    tmp_path, launch_env, dagster_storage_url
):
    launch_env.setenv(DAGSTER_STORAGE_VARIABLE, dagster_storage_url)
    dagster_home = tmp_path / "dagster"
    assert prepare_instance(dagster_home) == [
        f"created the Dagster storage in the PostgreSQL database of {DAGSTER_STORAGE_VARIABLE}"
    ]
    assert prepare_instance(dagster_home) == []  # already current
    assert not (dagster_home / "history").exists()  # nothing in SQLite

    # Two processes (two machines) open the same storage: a slot of the writers' pool claimed by one
    # run is refused to another until freed; a run launched elsewhere is seen as in progress.
    with (
        dg.DagsterInstance.from_config(str(dagster_home)) as here,
        dg.DagsterInstance.from_config(str(dagster_home)) as there,
    ):
        assert type(here.run_storage).__name__ == "PostgresRunStorage"
        for instance, run_id in ((here, "run-a"), (there, "run-b")):
            instance.add_run(dg.DagsterRun(job_name=JOB, run_id=run_id, status=dg.DagsterRunStatus.STARTED))
        here.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        assert here.event_log_storage.claim_concurrency_slot(POOL, "run-a", "step").is_claimed
        assert not there.event_log_storage.claim_concurrency_slot(POOL, "run-b", "step").is_claimed
        assert {r.run_id for r in other_runs_in_progress(here)} == {"run-a", "run-b"}
        here.event_log_storage.free_concurrency_slots_for_run("run-a")
        assert there.event_log_storage.claim_concurrency_slot(POOL, "run-b", "step").is_claimed
        assert release_dead_runs(here, lock_held=True) == []  # neither ran in-process: not judged


@pytest.mark.slow
def test_the_cli_refuses_to_run_while_a_daemon_run_of_the_shared_storage_is_in_progress(
    tmp_path, launch_env, dagster_storage_url, capsys
):
    """The nightly job itself runs on this storage in test_team_deployment.py (launched from the UI)."""
    home = tmp_path / "home"
    launch_env.setenv("INSIGHT_HUB_HOME", str(home))
    launch_env.setenv(DAGSTER_STORAGE_VARIABLE, dagster_storage_url)
    dagster_home = Layout(home).dagster_home
    prepare_instance(dagster_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:  # the daemon, on any machine
        instance.add_run(dg.DagsterRun(job_name=JOB, run_id="daemon-run", status=dg.DagsterRunStatus.STARTED))

    assert cli.main(["refresh", "--quiet"]) == cli.EXIT_BUSY
    assert "run daemon-run of nightly_refresh is in progress" in capsys.readouterr().err
    assert Path(os.environ["DAGSTER_HOME"]) == dagster_home
    with psycopg.connect(dagster_storage_url) as conn:  # only the daemon's run: the CLI started none
        assert conn.execute("select run_id from runs").fetchall() == [("daemon-run",)]
    assert not (dagster_home / "history").exists()  # nothing went to SQLite
