"""A simulated world with its person feeds loaded by the real ingestion, for identity resolution."""

from datetime import date
from pathlib import Path

import duckdb

from ingestion import csc_crm, person_index, web_forms
from ingestion.landing import ingest_feed
from simulator import simulate

PERSON_FEEDS = (*csc_crm.FEEDS, *web_forms.FEEDS, *person_index.FEEDS)
SALT = "identity-tests-salt"


def build_world(home: Path, scale: float, days: int, seed: int) -> Path:
    """Simulate (default defects) and load the CRM, e-form and person index feeds into raw."""
    simulate(home, scale=scale, start=date(2025, 4, 1), days=days, seed=seed)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for spec in PERSON_FEEDS:
            ingest_feed(con, home, spec)
    return home
