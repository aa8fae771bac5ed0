"""IBC finance extracts (SAP FI/CO from the shared service): the contracts of sources.md section A."""

from functools import partial

from ingestion.contract import HR_EARLIEST, LATEST, OPEN_END, Column, sap_feed

FEED_PATH = "ibc/finance"

_sap = partial(sap_feed, FEED_PATH)

CSKS = _sap(
    "ibc_csks",
    "CSKS_",
    "monthly",
    "snapshot",
    [
        Column("KOSTL", "key", not_null=True),
        Column("DATAB", "sap_date", not_null=True, bounds=(HR_EARLIEST, LATEST)),
        Column("DATBI", "sap_date", not_null=True, bounds=(HR_EARLIEST, OPEN_END), not_before="DATAB"),
        Column("KTEXT"),
        Column("ZDIRECT", "key", not_null=True),
        Column("ZSERVICE"),
        Column("VERAK", "key"),
    ],
    keys=("KOSTL", "DATAB"),
    description="Cost centres with their directorate and service area over time.",
)

LFA1 = _sap(
    "ibc_lfa1",
    "LFA1_",
    "daily",
    "delta",
    [
        Column("LIFNR", "key", not_null=True),
        # NAME1 and PSTLZ of an individual (KTOKK INDV) identify a person.
        Column("NAME1", personal=True),
        Column("ORT01"),
        Column("PSTLZ", personal=True),
        Column("STCEG"),
        Column("KTOKK", "key", not_null=True, accepted=("TRAD", "INDV", "PUBL", "VCSE")),
        Column("ZCRN", "key"),
        Column("ZSME", "flag"),
        Column("AEDTM", "sap_date", not_null=True),
    ],
    keys=("LIFNR",),
    description="Vendors created or changed that day; the latest AEDTM wins.",
)

FI_ITEMS = _sap(
    "ibc_fi_items",
    "FI_ITEMS_",
    "daily",
    "append",
    [
        Column("BUKRS", "key", not_null=True),
        Column("BELNR", "key", not_null=True),
        Column("GJAHR", "key", not_null=True, pattern=r"\d{4}"),
        Column("BUZEI", "key", not_null=True),
        Column("BLART", "key", not_null=True, accepted=("KR", "KG", "SA")),
        Column("BLDAT", "sap_date", not_null=True),
        Column("BUDAT", "sap_date", not_null=True),
        Column("CPUDT", "sap_date", not_null=True),
        Column("HKONT", "key", not_null=True, pattern=r"\d{6}"),
        Column("KOSTL", "key"),
        Column("LIFNR", "key"),
        Column("DMBTR", "sap_amount", not_null=True),
        Column("SHKZG", "key", not_null=True, accepted=("S", "H")),
        Column("EBELN", "key"),
        Column("ZCONTRACT", "key"),
        Column("XBLNR"),
        # Free text typed by staff: it can name a person, so it is treated as personal data.
        Column("SGTXT", personal=True),
    ],
    keys=("BUKRS", "BELNR", "GJAHR", "BUZEI"),
    description="Finance document lines entered that day (invoices, credit notes, journals).",
    amount="DMBTR",
)

PAYMENTS = _sap(
    "ibc_payments",
    "PAYMENTS_",
    "daily",
    "append",
    [
        Column("LAUFD", "sap_date", not_null=True),
        Column("BUKRS", "key", not_null=True),
        Column("VBLNR", "key", not_null=True),
        Column("LIFNR", "key"),
        Column("BELNR", "key", not_null=True),
        Column("GJAHR", "key", not_null=True),
        Column("ZALDT", "sap_date", not_null=True, not_before="LAUFD"),
        Column("RWBTR", "sap_amount", not_null=True),
        Column("RZAWE", "key", accepted=("B", "C", "H")),
    ],
    keys=("BUKRS", "VBLNR", "BELNR", "GJAHR"),
    description="Payment runs: which invoice documents were paid, when and how much.",
    amount="RWBTR",
)

BUDGET = _sap(
    "ibc_budget",
    "BUDGET_",
    "yearly",
    "snapshot",
    [
        Column("GJAHR", "key", not_null=True),
        Column("VERSN", "key", not_null=True, pattern=r"ORIG|REV\d+"),
        Column("KOSTL", "key", not_null=True),
        Column("HKONT", "key", not_null=True),
        Column("PERIO", "integer", not_null=True, bounds=(1, 12)),
        Column("WTGBTR", "sap_signed_amount", not_null=True),
    ],
    keys=("GJAHR", "VERSN", "KOSTL", "HKONT", "PERIO"),
    description="Budget by cost centre, GL account and period, every version issued so far.",
    amount="WTGBTR",
    date_format="YYYY",
)

FEEDS = (CSKS, LFA1, FI_ITEMS, PAYMENTS, BUDGET)
