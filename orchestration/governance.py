"""The governance slice (group `governance`): the governance log shown in the Dagster UI.

Wiring only: identity.governance owns `ops.governance_log` (erasures, subject access requests,
retention actions, each with the OS user, the subject as a keyed hash and counts). The asset shows
the actions per kind and the latest ones as metadata; the log holds no personal value, so neither
does the metadata.
"""

import dagster as dg

from identity import governance
from orchestration.policy import DUCKDB_WRITERS, OWNERS
from orchestration.resources import WarehouseResource

LATEST = 20


@dg.asset(
    key=dg.AssetKey(["ops", "governance_log"]),
    group_name="governance",
    kinds={"duckdb"},
    owners=OWNERS,
    description="`ops.governance_log`: every erasure, subject access request and retention action "
    "(when, OS user, action, subject as a keyed hash, counts); written by `insight-hub erase` and "
    "`subject-access` and by the retention asset.",
    pool=DUCKDB_WRITERS,
)
def governance_log(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Show the governance log: actions per kind and the latest entries (hashes and counts only)."""
    with warehouse.connect() as con:
        per_action, latest = governance.summary(con, LATEST)
    rows = [
        f"| {when:%Y-%m-%d %H:%M:%S} | {user} | {action} | `{(subject or '-')[:16]}` | {counts} |"
        for when, user, action, subject, counts, _details in latest
    ]
    table = "\n".join(
        ["| when | user | action | subject (keyed hash) | counts |", "|---|---|---|---|---|", *rows]
    )
    return dg.MaterializeResult(
        metadata={
            **{f"{action}_actions": dg.MetadataValue.int(n) for action, n in per_action.items()},
            "last_action_at": dg.MetadataValue.text(f"{latest[0][0]:%Y-%m-%d %H:%M:%S}" if rows else "none"),
            "latest": dg.MetadataValue.md(table if rows else "No governance action recorded yet."),
        }
    )
