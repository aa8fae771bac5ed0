"""A throwaway PostgreSQL 15 cluster for the session (initdb in a temp folder, a free port on
127.0.0.1, stopped and deleted at the end) and a fresh database per test."""

import socket
import tempfile
from collections.abc import Iterator
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


@pytest.fixture
def serving_url(pg_cluster: Cluster, request) -> Iterator[str]:
    """A database of the test's own (the roles are the cluster's, shared and created idempotently)."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    with psycopg.connect(pg_cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.execute(f'create database "{name}"')
    yield pg_cluster.url(name)
    with psycopg.connect(pg_cluster.url("postgres"), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
