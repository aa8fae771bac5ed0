"""Ingestion: read each landing file against its feed's contract and load it into schema `raw`.

Pure Python and DuckDB; nothing here knows about Dagster.
"""

from ingestion import (
    care,
    csc_crm,
    csc_telephony,
    ibc_finance,
    ibc_hr,
    person_index,
    procurement,
    programme,
    web_forms,
)
from ingestion.contract import FeedSpec

FEEDS: tuple[FeedSpec, ...] = (
    ibc_hr.FEEDS
    + ibc_finance.FEEDS
    + procurement.FEEDS
    + care.FEEDS
    + csc_telephony.FEEDS
    + csc_crm.FEEDS
    + web_forms.FEEDS
    + programme.FEEDS
    + person_index.FEEDS
)

__all__ = ["FEEDS", "FeedSpec"]
