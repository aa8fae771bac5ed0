"""A throwaway PostgreSQL 15 cluster for the session (initdb in a temp folder, a free port on
127.0.0.1, stopped and deleted at the end) and a fresh database per test."""

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from publication.serving_cluster import Cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    # Directly under /tmp: the OS user the cluster runs as (postgres, when we are root) must reach
    # it, and the socket path must stay short.
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="ih-pg-")), port=_free_port())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextmanager
def fresh_database(cluster: Cluster, name: str) -> Iterator[str]:
    """A new, empty database on the cluster, dropped afterwards: its URL."""
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.execute(f'create database "{name}"')
    yield cluster.url(name)
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def _database_name(prefix: str, request) -> str:
    return prefix + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]


@pytest.fixture
def serving_url(pg_cluster: Cluster, request) -> Iterator[str]:
    """A database of the test's own (the roles are the cluster's, shared and created idempotently)."""
    with fresh_database(pg_cluster, _database_name("t_", request)) as url:
        yield url


@pytest.fixture
def dagster_storage_url(pg_cluster: Cluster, request) -> Iterator[str]:
    """A database of the test's own for Dagster's storage (apart from serving, as deployed)."""
    with fresh_database(pg_cluster, _database_name("d_", request)) as url:
        yield url
