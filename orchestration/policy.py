"""The policy every slice follows, stated once: the writers' pool, the retry of transient
failures, the assets' owners, the gate policy's lookups (blocking or warning), and how a check names
the columns it found wrong.

The gate policy itself is data (expectations/gate_policy.yml, read by expectations.runner); this
module is the one place the Dagster wiring turns it into `blocking=` and a check's severity.
"""

import dagster as dg

from expectations.runner import policy, published_table_policy
from publication.gate import FAILED_COLUMNS_METADATA_KEY

# DuckDB allows one writer process: every step that writes the warehouse is in this pool (size 1).
DUCKDB_WRITERS = "duckdb_writers"
# Steps that touch files and the DuckDB lock retry a transient failure (a file briefly locked by
# another process, a full temp disk cleared) twice, after 3 s then 6 s, before the run fails.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=3, backoff=dg.Backoff.EXPONENTIAL)
# Who is told about every asset in the UI (and who answers for it).
OWNERS = ["team:data-engineering"]


def blocking(rule: str) -> bool:
    """Does the gate policy make the suite or rule `rule` blocking?"""
    return policy(rule) == "blocking"


def table_blocking(table: str) -> bool:
    """Does the gate policy make the generic suite on published table `table` blocking?"""
    return published_table_policy(table) == "blocking"


def severity(is_blocking: bool) -> dg.AssetCheckSeverity:
    """A failed blocking check is an error (it stops the publish step), any other a warning."""
    return dg.AssetCheckSeverity.ERROR if is_blocking else dg.AssetCheckSeverity.WARN


def described(is_blocking: bool) -> str:
    """The policy's word, for check descriptions."""
    return "blocking" if is_blocking else "warning"


def failed_columns(columns: list[str]) -> dict[str, dg.MetadataValue]:
    """The metadata naming the columns a check found wrong, which a refusal repeats (never values)."""
    return {FAILED_COLUMNS_METADATA_KEY: dg.MetadataValue.json(columns)} if columns else {}


def columns_failed(evaluation: dg.AssetCheckEvaluation) -> list[str]:
    """The columns a failed check named in its metadata (`failed_columns`), read back for a refusal."""
    columns = evaluation.metadata.get(FAILED_COLUMNS_METADATA_KEY)
    return list(columns.value) if columns and not evaluation.passed else []
