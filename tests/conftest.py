"""Keep every test away from any real warehouse: one throw-away INSIGHT_HUB_HOME per session.

The test session is an entry point, as the CLI is: it names the data root and configures the
tools' environment before any test runs. The Dagster definitions are loaded on first use
(private_home.definitions), once dbt's manifest is prepared, as every entry point loads them.
"""

import os
import tempfile

from orchestration.resources import configure_environment

os.environ["INSIGHT_HUB_HOME"] = tempfile.mkdtemp(prefix="insight-hub-tests-")
os.environ.setdefault("INSIGHT_HUB_ENV", "test")
configure_environment()
