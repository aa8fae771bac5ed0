"""Where the serving database is (INSIGHT_HUB_SERVING_URL), and a local PostgreSQL 15 cluster for
development and tests (`insight-hub serve-db`, `make serve-db`). No psycopg here: the embedded
default (no URL) never loads the PostgreSQL driver.

Built from the distribution's binaries (/usr/lib/postgresql/15/bin; on a machine without them,
root installs Debian's `postgresql-15` with apt-get). Decisions (docs/deployment.md):

- the cluster lives in one folder: data/ (initdb) and the unix socket, nothing else;
- it listens on 127.0.0.1 only, and the socket folder is the owner's alone (0700);
- no password anywhere: the socket trusts whoever can reach it (the folder's owner, and root),
  TCP requires scram-sha-256 and no role has a password, so nobody logs in over TCP until an
  administrator sets one;
- PostgreSQL refuses to run as root: as root, the cluster runs as the OS user `postgres`
  (created by Debian's package) through runuser, and the folder belongs to it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
PACKAGE = "postgresql-15"
SERVICE_USER = "postgres"  # the OS user the cluster runs as when we are root
SUPERUSER = "postgres"  # the cluster's superuser (a database role; no password)
DATABASE = "insight_hub"
DEFAULT_PORT = 54329
SOCKET_PATH_LIMIT = 107  # sun_path of a unix socket, less the terminating NUL
URL_VARIABLE = "INSIGHT_HUB_SERVING_URL"


def serving_url() -> str | None:
    """The serving database's URL, or None: the embedded default (no PostgreSQL at all)."""
    return os.environ.get(URL_VARIABLE) or None


class ClusterError(RuntimeError):
    """The cluster cannot be created, started or reached; the message says why and what to do."""


@dataclass(frozen=True)
class Cluster:
    """One cluster folder: `data/` made by initdb, the socket beside it."""

    folder: Path
    port: int = DEFAULT_PORT

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def url(self, database: str = DATABASE, user: str = SUPERUSER) -> str:
        """A libpq URL over the unix socket (no password: the socket folder is the access control)."""
        return f"postgresql://{user}@/{database}?host={self.socket_dir}&port={self.port}"

    def is_running(self) -> bool:
        if not (self.data / "postmaster.pid").exists():
            return False
        done = self._run(
            [BIN / "pg_isready", "-q", "-h", str(self.socket_dir), "-p", str(self.port)], check=False
        )
        return done.returncode == 0

    def start(self) -> str:
        """Create the cluster if it has none, start it if stopped, make the database; its URL."""
        ensure_binaries()
        if len(str(self.socket_dir / f".s.PGSQL.{self.port}")) > SOCKET_PATH_LIMIT:
            raise ClusterError(
                f"the socket path under {self.socket_dir} is longer than a unix socket allows "
                f"({SOCKET_PATH_LIMIT} bytes): use a shorter data root"
            )
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        if not self.is_running():
            self._run(
                [BIN / "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"],
                what="start the cluster",
            )
        exists = self._psql("postgres", f"select 1 from pg_database where datname = '{DATABASE}'")
        if not exists.strip():
            self._psql("postgres", f"create database {DATABASE}")
        return self.url()

    def stop(self) -> None:
        if self.is_running():
            self._run(
                [BIN / "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"], what="stop the cluster"
            )

    def status(self) -> str:
        if not (self.data / "PG_VERSION").exists():
            return f"no cluster in {self.folder} (insight-hub serve-db start creates one)"
        state = "running" if self.is_running() else "stopped"
        return f"{state}: {self.folder}, 127.0.0.1:{self.port}; INSIGHT_HUB_SERVING_URL={self.url()}"

    def remove(self) -> None:
        """Stop the cluster and delete its folder (throwaway clusters of the tests)."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _initdb(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        if _as_root():
            account = pwd.getpwnam(SERVICE_USER)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            if self._run(["test", "-w", str(self.folder)], check=False).returncode != 0:
                raise ClusterError(
                    f"the OS user {SERVICE_USER} cannot reach {self.folder} (a parent folder is not "
                    "searchable by others): put the data root where it can, or run as that user"
                )
        self._run(
            [
                BIN / "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            what="initdb",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "unix_socket_permissions": "0700",
            "password_encryption": "'scram-sha-256'",
            "fsync": "on",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# insight-hub serve-db\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _psql(self, database: str, sql: str) -> str:
        done = self._run(
            [
                BIN / "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-c",
                sql,
            ],
            what=f"run {sql!r}",
        )
        return done.stdout

    def _run(
        self, command: list[str | Path], what: str = "", check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL binary as the cluster's OS user (runuser when we are root)."""
        argv = [str(part) for part in command]
        if _as_root():
            argv = ["runuser", "-u", SERVICE_USER, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd="/", check=False)
        if check and done.returncode != 0:
            raise ClusterError(
                f"could not {what} ({self.folder}): exit {done.returncode}: "
                f"{(done.stderr or done.stdout).strip()[-2000:]}"
            )
        return done


def _as_root() -> bool:
    return os.geteuid() == 0


def ensure_binaries() -> None:
    """The distribution's PostgreSQL 15 binaries; root installs them with apt-get when missing."""
    if (BIN / "initdb").exists():
        return
    if not _as_root():
        raise ClusterError(f"PostgreSQL 15 is not installed ({BIN}): install the `{PACKAGE}` package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", PACKAGE]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise ClusterError(f"{' '.join(command)} failed: {done.stderr.strip()[-2000:]}")
    # Debian's package starts its own `main` cluster on port 5432: ours does not need it.
    subprocess.run(["pg_ctlcluster", "15", "main", "stop"], capture_output=True, check=False)
