"""`insight-hub serve-db`: a development cluster under the data root, on 127.0.0.1 only, reachable
without a password through its owner-only socket folder and by no one over TCP; as root it runs as
the OS user postgres, and it works the same for a normal user. The embedded default never loads
the PostgreSQL driver."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from ingestion.layout import Layout
from publication.serving_cluster import Cluster, ClusterError

pytestmark = pytest.mark.slow
CLI = Path(sys.executable).parent / "insight-hub"
AS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_db(home: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    command = [str(CLI), "serve-db", *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    env = {**os.environ, "INSIGHT_HUB_HOME": str(home), "HOME": str(home)}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=home, timeout=180)


@pytest.fixture
def home():
    folder = Path(tempfile.mkdtemp(prefix="ih-home-"))  # under /tmp: reachable by the OS user postgres
    folder.chmod(0o755)
    yield folder
    Cluster(Layout(folder).serving_db).stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_start_status_stop(home):
    port = str(free_port())
    started = serve_db(home, "start", "--port", port)
    assert started.returncode == 0, started.stderr
    cluster = Cluster(Layout(home).serving_db, int(port))
    assert cluster.url() in started.stdout
    assert "running" in serve_db(home, "status", "--port", port).stdout
    folder = Layout(home).serving_db
    assert folder.stat().st_mode & 0o777 == 0o700
    if AS_ROOT:
        assert folder.owner() == "postgres"
    with psycopg.connect(cluster.url()) as conn:  # the socket: no password
        assert conn.execute("show listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("select count(*) from pg_authid where rolpassword is not null").fetchone()[0] == 0
    with pytest.raises(psycopg.OperationalError, match="password"):  # TCP: scram, and no role has one
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/insight_hub", connect_timeout=5)
    again = serve_db(home, "start", "--port", port)  # idempotent
    assert again.returncode == 0, again.stderr
    assert serve_db(home, "stop", "--port", port).returncode == 0
    assert "stopped" in serve_db(home, "status", "--port", port).stdout


REPO = Path(__file__).resolve().parents[3]
SYSTEM_PYTHON = Path("/usr/bin/python3")  # the cluster module needs the standard library only


def reachable_by(user: str, *paths: Path) -> bool:
    return all(
        subprocess.run(["runuser", "-u", user, "--", "test", "-r", str(p)], check=False).returncode == 0
        for p in paths
    )


@pytest.mark.skipif(not AS_ROOT, reason="as a normal user the suite itself is the normal-user case")
def test_a_normal_user_runs_it_as_themself(home):
    """The project's Python may sit where only root reads (pyenv under /root): the normal user runs
    the cluster module with the system Python, which is all it needs."""
    user = "nobody"
    module = REPO / "publication" / "serving_cluster.py"
    if not SYSTEM_PYTHON.exists() or not reachable_by(user, module):
        pytest.skip(f"{user} cannot run {module} here")
    shutil.chown(home, user)
    folder, port = Layout(home).serving_db, free_port()
    script = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); from pathlib import Path; "
        "from publication.serving_cluster import Cluster; "
        f"c = Cluster(Path({str(folder)!r}), {port}); print(c.start()); print(c.status()); c.stop(); "
        "print(c.status())"
    )
    done = subprocess.run(
        ["runuser", "-u", user, "--", str(SYSTEM_PYTHON), "-c", script],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == Cluster(folder, port).url()
    assert lines[1].startswith("running") and lines[2].startswith("stopped")
    assert folder.owner() == user and (folder / "data").owner() == user


@pytest.mark.skipif(not AS_ROOT, reason="the OS user postgres is used only when running as root")
def test_a_folder_postgres_cannot_reach_is_named(home):
    home.chmod(0o700)
    with pytest.raises(ClusterError, match="OS user postgres cannot reach"):
        Cluster(Layout(home).serving_db, free_port()).start()
    failed = serve_db(home, "start", "--port", str(free_port()))
    assert failed.returncode == 1 and "cannot reach" in failed.stderr


def test_a_socket_path_too_long_is_named(tmp_path):
    deep = tmp_path / ("x" * 100)
    with pytest.raises(ClusterError, match="longer than a unix socket allows"):
        Cluster(deep).start()


def test_the_embedded_default_never_loads_the_driver(tmp_path):
    """No serving URL and no Dagster storage URL: neither PostgreSQL driver nor dagster-postgres is
    loaded, by the imports or by preparing and opening the instance (SQLite)."""
    probe = (
        "import sys, pathlib, dagster, cli.main, orchestration.definitions, orchestration.publication, "
        "publication.release; from cli.instance import prepare_instance; "
        f"home = pathlib.Path({str(tmp_path / 'dagster')!r}); prepare_instance(home); "
        "dagster.DagsterInstance.from_config(str(home)).get_runs(limit=1); "
        "loaded = {'psycopg', 'psycopg2', 'dagster_postgres'} & set(sys.modules); "
        "assert not loaded, f'imported: {loaded}'"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INSIGHT_HUB_DAGSTER_STORAGE", "INSIGHT_HUB_SERVING"))
    }
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
