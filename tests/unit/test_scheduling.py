"""The suite's scheduling on two processes (tests/scheduling.py): shared worlds built once, the
longest units first, and a module borrowing a world outside its unit refused."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from scheduling import SHARED_WORLDS, start_rank, undeclared_borrowers, unit_of

TESTS = Path(__file__).resolve().parents[1]

FAULTS = SHARED_WORLDS["faults county"]


def test_a_shared_worlds_modules_are_one_unit_and_other_modules_their_own():
    assert {unit_of(f"{module}::test_x") for module in FAULTS} == {"faults county"}
    assert unit_of("tests/unit/test_owners.py::test_x") == "tests/unit/test_owners.py"


def test_the_longest_units_start_first():
    assert start_rank(f"{FAULTS[0]}::t") < start_rank("tests/e2e/test_ui.py::t")
    assert start_rank("tests/e2e/test_ui.py::t") < start_rank("tests/unit/test_owners.py::t")


def test_a_module_borrowing_a_world_outside_its_unit_is_named():
    problems = undeclared_borrowers(
        {
            "tests/faults/test_new_fault.py": {"refreshed_world", "tmp_path"},
            "tests/faults/test_erasure.py": {"refreshed_world"},
            "tests/unit/test_owners.py": {"tmp_path"},
        }
    )
    assert len(problems) == 1
    assert "tests/faults/test_new_fault.py" in problems[0] and "'faults county'" in problems[0]


def test_xdist_runs_a_shared_worlds_modules_on_one_process_longest_first(tmp_path: Path):
    """A real `pytest -n 2 --dist loadfile --no-loadscope-reorder` on a mirror of the suite's layout:
    fails when xdist stops calling the overridden `_split_scope` (pytest-xdist==3.8.0)."""
    modules = [*FAULTS, "tests/unit/test_a.py", "tests/unit/test_b.py", "tests/unit/test_c.py"]
    for module in modules:
        path = tmp_path / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            textwrap.dedent(
                """
                import json, os, time
                def test_one():
                    time.sleep(0.2)
                    with open(os.environ["RUNS"], "a") as out:
                        print(json.dumps([__file__, os.environ["PYTEST_XDIST_WORKER"]]), file=out)
                """
            )
        )
    (tmp_path / "tests" / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            import pytest
            from scheduling import WorldScheduling, start_rank

            @pytest.hookimpl(optionalhook=True, tryfirst=True)
            def pytest_xdist_make_scheduler(config, log):
                return WorldScheduling(config, log)

            def pytest_collection_modifyitems(items):
                items.sort(key=lambda item: start_rank(item.nodeid))
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    runs = tmp_path / "runs.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
        + ["--dist", "loadfile", "--no-loadscope-reorder", "tests"],
        cwd=tmp_path,
        env={"RUNS": str(runs), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [json.loads(line) for line in runs.read_text().splitlines()]
    worker_of = {Path(file).relative_to(tmp_path).as_posix(): worker for file, worker in ran}
    assert len(worker_of) == len(modules)
    assert len({worker_of[module] for module in FAULTS}) == 1, worker_of
    assert len(set(worker_of.values())) == 2, worker_of  # the other modules did go to the other process
    first_on_faults_worker = next(f for f, w in ran if w == worker_of[FAULTS[0]])
    assert Path(first_on_faults_worker).relative_to(tmp_path).as_posix() in FAULTS


def test_no_two_test_modules_share_a_basename():
    """The suite imports test modules by basename (rootdir, no packages): two of one name stop the
    whole collection with "import file mismatch" (as test_restatements.py did on 2026-12-07)."""
    names = sorted(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for i, n in enumerate(names) if n in names[:i]] == []
