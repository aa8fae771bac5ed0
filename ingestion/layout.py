"""The layout of the data root (INSIGHT_HUB_HOME): every path under it comes from here.

One object names every folder and file Insight Hub writes, so a folder is renamed, moved to a
mounted share or documented in one place (warehouse/README.md describes the same tree). It
lives in ingestion/, the package every other one already builds on, and knows nothing of Dagster:
ingestion, identity, publication, the CLI and the Dagster resources all ask it.

    landing/<feed path>/            source systems drop files here
    archive/<feed path>/            files loaded (earlier versions under superseded/v<N>-<sha>/)
    quarantine/<feed path>/         files refused, and every report (<file>.rejection.json)
    tmp/                            ingestion's scratch space (decoded files)
    warehouse.duckdb                the working warehouse
    identity/model.json             the trained Splink model of the last run
    restricted/identity_review/     the review queue and Splink's dashboards (personal data: owner only)
    restricted/governance/erasure_register.parquet
                                    the erasure register's copy outside the warehouse (keyed hashes:
                                    a warehouse rebuilt from archive/ gets it back; owner only)
    published/releases/<id>/        the releases: the internal set at the root (insight_hub.duckdb,
                                    parquet/, hyper/, identity/, pack/, manifest.json), open/ (the same plus
                                    transparency/) and restricted/ (owner or group only);
                                    published/current -> releases/<id>
    published/transparency/         the open-data transparency files of the current release
    dagster/                        DAGSTER_HOME (dagster.yaml, run and event storage)
    serving-db/                     the development PostgreSQL cluster of `insight-hub serve-db`
    dbt/target, dbt/logs            dbt's target and log paths (and the CLI's tool output)
    dbt/.prepare.lock               held while dbt's manifest is prepared
    logs/hyper/                     Hyper's logs
    gx/runs/<run id>/               each run's validation results and Data Docs
    simulator_truth/                written by `insight-hub simulate` only
    .run.lock                       held by an in-process run

Who may read what (docs/governance.md, Files on disk): the data root holds residents' personal data,
so everything Insight Hub writes under it is the service account's alone (`protect`: umask 077, so
files 0600 and folders 0700 whoever writes them: DuckDB and its write-ahead log, ingestion, dbt,
Dagster, GX, Hyper); the only exceptions are published/, which publication opens to BI readers
(folders 0755, files 0444; the restricted set 0700/0400 or its group's 0750/0440), and the data
root itself (0711: BI readers pass through to published/ without listing it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_VARIABLE = "INSIGHT_HUB_HOME"
DEFAULT_HOME = "warehouse"
SUPERSEDED = "superseded"
BUILDING = "building"
CURRENT_CANDIDATE = "current"
DECODED_SUFFIX = ".utf8"
WAL_SUFFIX = ".wal"

# File modes under the data root (docs/governance.md, Files on disk).
PRIVATE_UMASK = 0o077  # what the processes writing under the root create: owner only
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
HOME_FOLDER = 0o711  # passed through to published/, never listed
SHARED_FOLDER = 0o755  # published/ and the internal and open sets of a release
SHARED_FILE = 0o444  # a published file: readable by BI readers, written by no one


def sql_path(path: Path) -> str:
    """A path as the inside of a SQL string literal (DuckDB's attach, copy and read_* take paths as
    literals): a quote in a folder name must not end the string."""
    return str(path).replace("'", "''")


@dataclass(frozen=True)
class Release:
    """One release folder, or one audience's set inside it: the release format of the publication
    contract (the internal set is the release folder itself, so BI connections keep their paths)."""

    folder: Path

    def audience(self, name: str) -> Release:
        """The set of one audience: `internal` at the release root, `open/`, `restricted/`."""
        return self if name == "internal" else Release(self.folder / name)

    @property
    def open(self) -> Release:
        return self.audience("open")

    @property
    def restricted(self) -> Release:
        return self.audience("restricted")

    @property
    def database(self) -> Path:
        return self.folder / "insight_hub.duckdb"

    @property
    def parquet(self) -> Path:
        return self.folder / "parquet"

    @property
    def hyper(self) -> Path:
        return self.folder / "hyper"

    @property
    def identity(self) -> Path:
        """Attachments of the identity step (the trained model: settings and probabilities, no records)."""
        return self.folder / "identity"

    @property
    def transparency(self) -> Path:
        return self.folder / "transparency"

    @property
    def manifest(self) -> Path:
        return self.folder / "manifest.json"

    @property
    def dictionary(self) -> Path:
        """The set's data dictionary: every table and column with its type and description."""
        return self.folder / "dictionary.csv"

    @property
    def pack(self) -> Path:
        """The KPI pack: static HTML pages of the release (index.html and a page per domain)."""
        return self.folder / "pack"

    @property
    def hyper_feed(self) -> Path:
        """Scratch: the Parquet files Hyper reads where the set has none of its own (removed after)."""
        return self.folder / ".hyper_feed"


@dataclass(frozen=True)
class Published:
    """published/: the releases and the `current` link BI tools read through."""

    root: Path

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    def release(self, release_id: str) -> Path:
        return self.releases / release_id

    @property
    def current(self) -> Path:
        return self.root / "current"

    def current_target(self, release_id: str) -> Path:
        """What `current` links to: relative, so the data root can move as a whole."""
        return self.release(release_id).relative_to(self.root)

    @property
    def transparency(self) -> Path:
        return self.root / "transparency"

    def share(self) -> None:
        """Open published/, its releases/ and transparency/ folders to BI readers (0755), whatever the
        umask the folders were made under (the private one of `Layout.protect`)."""
        for folder in (self.root, self.releases, self.transparency):
            if folder.is_dir():
                folder.chmod(SHARED_FOLDER)

    @property
    def layout(self) -> Layout:
        """The data root's layout (published/ sits at its top)."""
        return Layout(self.root.parent)

    def building(self, release_id: str) -> Path:
        """Scratch: the hidden folder a release is built in before it is renamed into place."""
        return self.releases / f".{release_id}.{BUILDING}"

    def current_candidate(self, release_id: str, pid: int) -> Path:
        """Scratch: the new `current` link, renamed over the old one (atomic switch)."""
        return self.root / f".{CURRENT_CANDIDATE}.{release_id}.{pid}"

    def leftovers(self) -> list[Path]:
        """What a killed publish left: folders being built and candidate `current` links."""
        return [*self.releases.glob(f".*.{BUILDING}"), *self.root.glob(f".{CURRENT_CANDIDATE}.*")]


@dataclass(frozen=True)
class Layout:
    """Every path under one data root."""

    home: Path

    @classmethod
    def from_env(cls) -> Layout:
        """The data root INSIGHT_HUB_HOME names now (default ./warehouse), as an absolute path."""
        return cls(Path(os.environ.get(HOME_VARIABLE, DEFAULT_HOME)).resolve())

    # Folders of personal data made before `protect` closed new ones (homes of earlier versions).
    PRIVATE_AREAS = ("archive", "quarantine", "tmp", "restricted", "identity", "dagster", "dbt", "gx", "logs")

    def protect(self) -> None:
        """Make what Insight Hub writes under the data root readable by the service account only.

        Called by the entry points at launch (configure_environment), before anything is written:
        the process umask becomes 077, so every file and folder any writer creates (DuckDB's file and
        its write-ahead log, archived and quarantined copies, dbt, Dagster and GX output, Hyper's
        logs) is 0600/0700, and child processes (dbt, Hyper, the Dagster daemon's runs) inherit it.
        A data root made now is 0711; the private folders and the warehouse files an earlier version
        left open are closed. published/ is publication's to open (Published.share)."""
        os.umask(PRIVATE_UMASK)
        if not self.home.exists():
            self.home.mkdir(parents=True)
            self.home.chmod(HOME_FOLDER)
        for name in self.PRIVATE_AREAS:
            if (folder := self.home / name).is_dir():
                folder.chmod(PRIVATE_FOLDER)
        for path in (self.warehouse, self.warehouse_wal):
            if path.is_file():
                path.chmod(PRIVATE_FILE)

    # The three areas a delivered file moves through, each with one folder per feed path.
    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def areas(self) -> tuple[Path, Path, Path]:
        """Where a delivered file can be: landing, archive, quarantine."""
        return (self.landing, self.archive, self.quarantine)

    @staticmethod
    def superseded(folder: Path, name: str) -> Path:
        """`<folder>/superseded/<name>`: where earlier versions of a file name are set aside."""
        return folder / SUPERSEDED / name

    @staticmethod
    def is_superseded(folder: Path) -> bool:
        return folder.parent.name == SUPERSEDED

    @property
    def tmp(self) -> Path:
        return self.home / "tmp"

    @staticmethod
    def decoded(work_dir: Path, name: str) -> Path:
        """Scratch: the UTF-8 copy of a Windows-1252 file, in ingestion's scratch folder."""
        return work_dir / f"{name}{DECODED_SUFFIX}"

    def decoded_copies(self) -> list[Path]:
        """Decoded copies left in the scratch folder (by a crashed run)."""
        return sorted(self.tmp.glob(f"*{DECODED_SUFFIX}"))

    @staticmethod
    def compacting(database: Path) -> Path:
        """Scratch: the hidden folder beside a DuckDB file its compaction writes the new file into."""
        return database.parent / f".{database.stem}.compacting"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def warehouse_wal(self) -> Path:
        """DuckDB's write-ahead log beside the warehouse (rows not yet checkpointed into the file)."""
        return self.warehouse.with_name(self.warehouse.name + WAL_SUFFIX)

    @property
    def identity_model(self) -> Path:
        return self.home / "identity" / "model.json"

    @property
    def identity_review(self) -> Path:
        """The identity review queue and Splink's dashboards: personal data, never published."""
        return self.home / "restricted" / "identity_review"

    @property
    def erasure_register(self) -> Path:
        """The erasure register kept beside the warehouse (identity/erasure.py, ingestion/redaction.py)."""
        return self.home / "restricted" / "governance" / "erasure_register.parquet"

    @staticmethod
    def private_folder(folder: Path) -> Path:
        """Make `folder` (and its parent, the restricted area) readable by the owner only."""
        folder.mkdir(parents=True, exist_ok=True)
        for path in (folder.parent, folder):
            path.chmod(0o700)
        return folder

    @property
    def published(self) -> Published:
        return Published(self.home / "published")

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def serving_db(self) -> Path:
        """The local PostgreSQL cluster for development (publication/serving_cluster.py)."""
        return self.home / "serving-db"

    @property
    def dbt_target(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_logs(self) -> Path:
        return self.home / "dbt" / "logs"

    @property
    def dbt_prepare_lock(self) -> Path:
        """Held while dbt's manifest is brought up to date (one `dbt parse` at a time)."""
        return self.home / "dbt" / ".prepare.lock"

    @property
    def hyper_logs(self) -> Path:
        return self.home / "logs" / "hyper"

    def gx_run(self, run_id: str) -> Path:
        """A run's validation results and Data Docs (the parent holds every run's)."""
        return self.home / "gx" / "runs" / run_id

    @property
    def simulator_truth(self) -> Path:
        return self.home / "simulator_truth"

    @property
    def run_lock(self) -> Path:
        return self.home / ".run.lock"
