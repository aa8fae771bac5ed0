"""`refresh` and `publish` exit non-zero whenever the run did not succeed, whatever the cause, and
print a refusal in full (which checks, what to do)."""

from argparse import Namespace
from types import SimpleNamespace

import dagster as dg
import pytest

import cli.main as cli
from orchestration.policy import failed_columns
from publication.gate import WHAT_TO_DO


def fake_job(result) -> SimpleNamespace:
    return SimpleNamespace(partitions_def=None, execute_in_process=lambda **kwargs: result)


def step_failure(step_key: str, description: str) -> SimpleNamespace:
    data = SimpleNamespace(user_failure_data=SimpleNamespace(description=description), error=None)
    return SimpleNamespace(
        event_type=dg.DagsterEventType.STEP_FAILURE, step_key=step_key, step_failure_data=data
    )


@pytest.fixture
def run_with(tmp_path, monkeypatch):
    def run(result, command: str = "publish") -> int:
        monkeypatch.setattr(cli, "_job", lambda name: fake_job(result))
        job = "publish_release" if command == "publish" else "nightly_refresh"
        monkeypatch.setattr(cli, "_print_ingestion_summary", lambda home, run_start: None)
        return cli._run_job(Namespace(quiet=True), tmp_path, job, command)

    return run


@pytest.mark.parametrize("command", ["publish", "refresh"])
def test_a_run_that_did_not_succeed_exits_non_zero_even_without_a_failed_step(run_with, capsys, command):
    failed_run = SimpleNamespace(
        success=False,
        all_events=[],
        run_id="r1",
        dagster_run=SimpleNamespace(status=dg.DagsterRunStatus.FAILURE),
    )
    assert run_with(failed_run, command) == cli.EXIT_FAILED
    out = capsys.readouterr().out
    assert "the run did not succeed (status FAILURE)" in out and "nothing published" in out


def test_a_refused_release_exits_non_zero_and_says_which_checks_and_what_to_do(run_with, capsys):
    refusal = "release refused: 1 check ...\n  - bi/t:c: STALE ...\nWhat to do: `insight-hub publish`"
    result = SimpleNamespace(
        success=False,
        all_events=[step_failure("publication__release", refusal)],
        run_id="r2",
        dagster_run=None,
    )
    assert run_with(result) == cli.EXIT_FAILED
    out = capsys.readouterr().out
    assert "FAILED step publication__release: release refused" in out
    assert "bi/t:c: STALE" in out and "What to do" in out


def gate_run() -> dg.ExecuteInProcessResult:
    """A real run whose blocking checks fail at their own steps, naming columns as the dbt tests
    and GX suites do (`failed_columns`), before any release step could word a refusal."""
    table = dg.AssetKey(["bi", "kpi_csc_monthly"])

    @dg.asset(key=table)
    def kpi_csc_monthly() -> None:
        """A table the checks judge."""

    def check(name: str, passed: bool, columns: list[str], blocks: bool = True) -> dg.AssetChecksDefinition:
        @dg.asset_check(asset=table, name=name, blocking=blocks)
        def judged() -> dg.AssetCheckResult:
            return dg.AssetCheckResult(passed=passed, metadata=failed_columns(columns))

        return judged

    checks = [
        check("between_abandonment_rate", False, ["abandonment_rate"]),
        check("unique_month__service", False, ["month", "service"]),
        check("expression_is_true", False, []),
        check("not_null_month", True, []),
        check("warning_only", False, ["calls"], blocks=False),
    ]
    return dg.materialize([kpi_csc_monthly, *checks], raise_on_error=False)


@pytest.mark.parametrize("command", ["publish", "refresh"])
def test_a_failed_blocking_check_is_named_with_its_columns_and_what_to_do(run_with, capsys, command):
    assert run_with(gate_run(), command) == cli.EXIT_FAILED
    out = capsys.readouterr().out.splitlines()
    failed = sorted(line for line in out if line.startswith(f"{command}: FAILED blocking check "))
    named = f"{command}: FAILED blocking check bi/kpi_csc_monthly:"
    assert failed == [
        f"{named}between_abandonment_rate in column abandonment_rate",
        f"{named}expression_is_true",  # a table-level check names no column
        f"{named}unique_month__service in columns month, service",
    ]
    assert out.count(f"{command}: {WHAT_TO_DO}") == 1
    assert out.index(f"{command}: {WHAT_TO_DO}") > max(out.index(line) for line in failed)


def test_the_advice_is_said_once_when_the_release_step_refused_too():
    events = gate_run().all_events
    refusal = f"release refused: ...\n{WHAT_TO_DO}"
    assert cli._failed_blocking_checks(events, [refusal])[-1] != WHAT_TO_DO
    assert cli._failed_blocking_checks(events, ["1 blocking asset check failed"])[-1] == WHAT_TO_DO


def test_a_successful_run_exits_zero(run_with, capsys):
    assert (
        run_with(SimpleNamespace(success=True, all_events=[], run_id="r3", dagster_run=None)) == cli.EXIT_OK
    )
    assert "nothing new to publish" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["status"], ["publish", "--status"], ["rollback", "--to", "r1"]])
def test_a_command_reading_a_data_root_refuses_one_that_does_not_exist(
    tmp_path, monkeypatch, capsys, command
):
    mistyped = tmp_path / "warehuose"
    monkeypatch.setenv("INSIGHT_HUB_HOME", str(mistyped))
    assert cli.main(command) == cli.EXIT_USAGE
    assert f"no data root at {mistyped}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing created, not even the root
