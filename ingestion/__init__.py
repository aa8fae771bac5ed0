"""Ingestion: read each landing file against its feed's contract and load it into schema `raw`.

Pure Python and DuckDB; nothing here knows about Dagster.
"""

from ingestion import ibc_finance, ibc_hr
from ingestion.contract import FeedSpec

FEEDS: tuple[FeedSpec, ...] = ibc_hr.FEEDS + ibc_finance.FEEDS

__all__ = ["FEEDS", "FeedSpec"]
