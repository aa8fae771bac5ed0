"""The KPI pack's pages (publication/pack): every release holds them under pack/, in its manifest."""

PACK_PAGES = (
    "index",
    "contact-centre",
    "forecast",
    "digital",
    "workforce",
    "spend-and-contracts",
    "payments",
    "budget",
    "care-reconciliation",
    "benefits",
    "data-quality",
    "restatements",
    "dictionary",
)
PACK_FILES = frozenset(f"pack/{page}.html" for page in PACK_PAGES)
