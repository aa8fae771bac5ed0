"""Keep every test away from any real warehouse: one throw-away INSIGHT_HUB_HOME per session.

The test session is an entry point, as the CLI is: it names the data root and configures the
tools' environment before any test runs. The Dagster definitions are loaded on first use
(private_home.definitions), once dbt's manifest is prepared, as every entry point loads them.
"""

import os
import tempfile

import pytest
from scheduling import WorldScheduling, start_rank, undeclared_borrowers

from orchestration.resources import configure_environment

os.environ["INSIGHT_HUB_HOME"] = tempfile.mkdtemp(prefix="insight-hub-tests-")
os.environ.setdefault("INSIGHT_HUB_ENV", "test")
configure_environment()


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`make test`'s --dist loadfile, with each shared world's modules as one unit (scheduling.py)."""
    return WorldScheduling(config, log) if config.getvalue("dist") == "loadfile" else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest units first (the same order on every process), and refuse a module that borrows a
    shared world outside its declared unit."""
    fixtures_of_module: dict[str, set[str]] = {}
    for item in items:
        fixtures_of_module.setdefault(item.nodeid.split("::", 1)[0], set()).update(item.fixturenames)
    problems = undeclared_borrowers(fixtures_of_module)
    if problems:
        raise pytest.UsageError("\n".join(problems))
    items.sort(key=lambda item: start_rank(item.nodeid))
