"""Configuration at launch, not import: importing the definitions writes and runs nothing, loading
them needs the manifest an entry point prepared, and the data root a run is launched with is the
one every step of it uses (two runs from one process on two roots)."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from private_home import definitions

from ingestion.layout import Layout
from orchestration.ingestion import days_to_run, range_tags
from orchestration.resources import REPO_ROOT
from orchestration.warehouse import ManifestMissing, dbt_models_asset, dbt_project, dbt_resource
from simulator import simulate

# Runs in a fresh interpreter: records, through Python's audit hooks, every file opened for
# writing, folder made, file moved or removed, process started and environment change while
# `module` is imported, then prints them as JSON. The libraries are imported first, unwatched: what
# they do when imported is theirs (dagster's vendored croniter runs `file` to learn the word size).
PROBE = """
import json, os, sys
import dagster, dagster_dbt, duckdb, great_expectations, numpy, pandas, pyarrow, splink

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
CHANGES = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink", "os.link",
           "os.truncate", "os.chmod", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"}
RUNS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
        "os.forkpty", "pty.spawn"}
ENV = {"os.putenv", "os.unsetenv"}
seen = []

def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (flags or 0) & WRITE_FLAGS:
            seen.append(f"write {path}")
    elif event in CHANGES or event in RUNS or event in ENV:
        first = args[0] if args else ""
        seen.append(f"{event} {os.fsdecode(first) if isinstance(first, bytes) else first}")

environ = dict(os.environ)
sys.addaudithook(hook)
__import__(sys.argv[1])
if dict(os.environ) != environ:
    seen.append("os.environ changed")
print(json.dumps(seen))
"""


def import_effects(module: str, cwd: Path, path_first: Path | None = None) -> list[str]:
    """What importing `module` did, in a subprocess with an empty environment in a read-only `cwd`."""
    prelude = f"import sys; sys.path.insert(0, {str(path_first)!r})\n" if path_first else ""
    cwd.mkdir(exist_ok=True)
    cwd.chmod(0o555)
    try:
        done = subprocess.run(
            [sys.executable, "-B", "-c", prelude + PROBE, module],
            env={},
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        cwd.chmod(0o755)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_definitions_with_no_environment_writes_and_runs_nothing(tmp_path: Path):
    cwd = tmp_path / "cwd"
    assert import_effects("orchestration.definitions", cwd) == []
    assert list(cwd.iterdir()) == []


def test_the_import_probe_sees_writes_processes_and_environment_changes(tmp_path: Path):
    """The guard fires: a module that writes, runs a process and sets a variable at import is caught."""
    planted = tmp_path / "planted"
    planted.mkdir()
    out = tmp_path / "out"
    (planted / "noisy.py").write_text(
        "import os, subprocess\n"
        f"os.makedirs({str(out)!r})\n"
        f"open({str(out / 'x.txt')!r}, 'w').close()\n"
        "subprocess.run(['true'])\n"
        "os.environ['INSIGHT_HUB_HOME'] = 'somewhere'\n"
    )
    seen = import_effects("noisy", tmp_path / "cwd", path_first=planted)
    assert any(s.startswith("os.mkdir") for s in seen)
    assert f"write {out / 'x.txt'}" in seen
    assert any(s.startswith("subprocess.Popen") for s in seen)
    assert any(s.startswith("os.putenv INSIGHT_HUB_HOME") for s in seen) and "os.environ changed" in seen


def test_loading_without_a_prepared_manifest_says_what_to_do(tmp_path: Path):
    with pytest.raises(ManifestMissing, match="entry point prepares it"):
        dbt_models_asset(dbt_project(Layout(tmp_path / "home")))


def test_dbt_refuses_a_data_root_other_than_the_one_its_run_was_launched_with(tmp_path, monkeypatch):
    """dbt's profile reads INSIGHT_HUB_HOME: a resource on another root would build the wrong warehouse."""
    monkeypatch.setenv("INSIGHT_HUB_HOME", str(tmp_path / "elsewhere"))
    with pytest.raises(RuntimeError, match="launch the run with INSIGHT_HUB_HOME set to its data root"):
        dbt_resource(str(tmp_path / "home")).cli(["parse"])


def test_dbt_writes_its_log_under_dbt_logs_and_its_artifacts_under_dbt_target():
    """The layout's two dbt folders: dagster-dbt would put dbt.log beside the artifacts."""
    definitions()  # the session's entry point prepared the manifest: `dbt parse` on its root
    layout = Layout.from_env()
    assert (layout.dbt_target / "manifest.json").is_file()
    assert (layout.dbt_logs / "dbt.log").is_file()
    assert not list(layout.dbt_target.rglob("dbt.log"))


def test_each_load_of_the_code_location_brings_the_manifest_up_to_date(tmp_path, monkeypatch):
    """The UI's "Reload definitions" after a model changed: the load parses again (here the manifest
    is made older than the project's files), under the prepare lock, and the model is in the graph."""
    from orchestration.definitions import defs

    session = Layout.from_env()
    definitions()  # the session's manifest, prepared
    layout = Layout(tmp_path / "home")
    layout.dbt_target.mkdir(parents=True)
    manifest = layout.dbt_target / "manifest.json"
    manifest.write_bytes((session.dbt_target / "manifest.json").read_bytes())
    os.utime(manifest, (0, 0))  # older than every project file, as after a model is added
    monkeypatch.setenv("INSIGHT_HUB_HOME", str(layout.home))
    loaded = defs()
    assert manifest.stat().st_mtime > 0  # parsed again on load
    assert layout.dbt_prepare_lock.is_file()
    keys = loaded.resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey(["bi", "kpi_workforce_monthly"]) in keys


def tree(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} if folder.exists() else set()


@pytest.mark.slow
def test_two_runs_from_one_process_each_write_only_under_the_root_they_were_launched_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    defs = definitions()  # loaded once, as a code server or the CLI loads them
    job = defs.resolve_job_def("nightly_refresh")
    session_home = Layout.from_env().home
    homes = {"a": tmp_path / "a", "b": tmp_path / "b"}
    simulate(homes["a"], scale=0.01, start=date(2025, 4, 1), days=10, seed=3, defects=0.0)
    simulate(homes["b"], scale=0.01, start=date(2025, 5, 1), days=12, seed=4, defects=0.0)
    before = {"session": tree(session_home), "dbt_project": tree(REPO_ROOT / "dbt_project")}
    instance = dg.DagsterInstance.ephemeral()
    runs = {}
    for name, home in homes.items():
        monkeypatch.setenv("INSIGHT_HUB_HOME", str(home))
        result = job.execute_in_process(instance=instance, tags=range_tags(days_to_run(home)))
        assert result.success, name
        runs[name] = result.run_id

    for name, home in homes.items():
        other = runs["b" if name == "a" else "a"]
        layout = Layout(home)
        # Publish: the home's own release, made by its own run.
        manifest = json.loads(layout.published.current.joinpath("manifest.json").read_text())
        assert manifest["run_id"] == runs[name]
        # Ingestion and dbt: the home's warehouse holds its own world's files and models.
        with duckdb.connect(str(layout.warehouse), read_only=True) as con:
            months = con.execute("select min(month) from bi.kpi_workforce_monthly").fetchone()[0]
        assert str(months).startswith("2025-04" if name == "a" else "2025-05")
        # dbt's artifacts and logs, and the gate's validation results, of this run and no other.
        paths = tree(home)
        dbt_runs = [p for p in paths if p.startswith("dbt/target/dbt_models-")]
        assert dbt_runs and all(runs[name][:8] in p for p in dbt_runs)
        dbt_logs = [p for p in paths if p.startswith("dbt/logs/dbt_models-") and p.endswith("/dbt.log")]
        assert dbt_logs and all(runs[name][:8] in p for p in dbt_logs)
        assert not any(p.startswith("dbt/target/") and p.endswith("dbt.log") for p in paths)
        assert layout.gx_run(runs[name]).is_dir()
        assert not any(other[:8] in p for p in paths), f"{name} holds files of the other run"
    # Nothing written outside the two roots: not the session's root, not the dbt project.
    assert tree(session_home) == before["session"]
    assert tree(REPO_ROOT / "dbt_project") == before["dbt_project"]
    assert os.environ["INSIGHT_HUB_HOME"] == str(homes["b"])


JOB_NAMES = "from orchestration.definitions import defs; print(*(job.name for job in defs().jobs))"


@pytest.mark.slow
def test_prepare_readies_a_fresh_home_for_dagsters_own_commands(tmp_path: Path):
    """`insight-hub prepare`, then a `dagster` command's load of workspace.yaml's module succeeds."""
    env = {**os.environ, "INSIGHT_HUB_HOME": str(tmp_path / "home")}
    prepared = subprocess.run(
        [sys.executable, "-m", "cli", "prepare"], env=env, capture_output=True, text=True, timeout=600
    )
    assert prepared.returncode == 0, prepared.stderr
    layout = Layout(tmp_path / "home")
    assert f"INSIGHT_HUB_HOME={layout.home}" in prepared.stdout
    assert (layout.dbt_target / "manifest.json").is_file()
    assert (layout.dagster_home / "dagster.yaml").is_file()
    loaded = subprocess.run(
        [sys.executable, "-c", JOB_NAMES],
        env={**env, "DAGSTER_HOME": str(layout.dagster_home)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert loaded.returncode == 0 and "nightly_refresh" in loaded.stdout.split(), loaded.stderr[-2000:]
