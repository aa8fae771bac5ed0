"""The identity-resolution asset (group `identity`): person records of the raw tables -> customers.

Wiring only: identity.resolution does the work. It reads the raw CRM, e-form and person index
tables and writes the restricted customer tables, which the dbt customer marts read through the
`identity` dbt source. Metadata is counts and rates only: personal data stays in `restricted`.
"""

import dagster as dg

from identity import records, resolution
from orchestration.governance import RETENTION
from orchestration.policy import DUCKDB_WRITERS, OWNERS, TRANSIENT_RETRY, severity
from orchestration.resources import WarehouseResource, salt

RAW_PERSON_TABLES = [dg.AssetKey(["raw", table]) for table in records.SOURCE_TABLES]
XREF = dg.AssetKey(["restricted", "customer_xref"])
TABLES = {
    "customer_xref": "One row per person record (CRM contact, e-form, person index record): its "
    "pseudonymous customer_key and the match probability of its strongest link.",
    "customer_golden": "One row per customer: best-known name, date of birth, address (survivorship).",
    "customer_key_changes": "History of records whose customer_key changed from one run to the next.",
    "identity_model": "The trained Splink model of each run (settings with m and u, as JSON).",
    "identity_review": "Candidate pairs the model is unsure about (the review band of identity.review), "
    "with any reviewer decision in force; `insight-hub review-identity` records decisions.",
}
CHECKS = {
    "customer_size": (
        True,
        "No giant customers: the largest holds at most "
        f"{resolution.MAX_CUSTOMER_RECORDS} records (a bigger one is a linkage failure).",
    ),
    "linked_share": (
        False,
        "Share of records linked to at least one other record is at least "
        f"{resolution.MIN_LINKED_SHARE:.0%}.",
    ),
    "key_stability": (
        False,
        f"At most {resolution.MAX_KEY_CHANGE_SHARE:.0%} of the records resolved by the previous run "
        "changed customer_key.",
    ),
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            dg.AssetKey(["restricted", table]),
            deps=[*RAW_PERSON_TABLES, RETENTION],
            description=f"`restricted.{table}`: {text}",
            group_name="identity",
            kinds={"python", "splink", "duckdb"},
            owners=OWNERS,
        )
        for table, text in TABLES.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(name, asset=XREF, blocking=blocking, description=text)
        for name, (blocking, text) in CHECKS.items()
    ],
    pool=DUCKDB_WRITERS,
    retry_policy=TRANSIENT_RETRY,
)
def customer_resolution(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Resolve the residents of CRM, e-forms and the service person indexes into customers (Splink)."""
    key_salt, demo_salt = salt()
    if demo_salt:
        context.log.warning(
            "INSIGHT_HUB_SALT is not set: customer keys use the demo salt (never in production)"
        )
    with warehouse.connect() as con:
        summary = resolution.run(con, warehouse.home_path, key_salt)
    if summary.raw_tables_missing:
        context.log.warning(f"raw tables not loaded yet: {', '.join(summary.raw_tables_missing)}")
    metadata = summary.metadata()
    for table in TABLES:
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["restricted", table]), metadata=metadata)
    for name, (passed, found) in resolution.checks(summary).items():
        blocking = CHECKS[name][0]
        yield dg.AssetCheckResult(
            check_name=name,
            asset_key=XREF,
            passed=passed,
            severity=severity(blocking),
            metadata={"found": found},
        )
