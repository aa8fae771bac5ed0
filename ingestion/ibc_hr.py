"""IBC HR extracts (SAP infotypes from the shared service): the contracts of sources.md section A."""

from functools import partial

from ingestion.contract import HR_EARLIEST, LATEST, OPEN_END, Column, sap_feed

FEED_PATH = "ibc/hr"


_sap = partial(sap_feed, FEED_PATH)

PERNR = Column("PERNR", "key", not_null=True)
AEDTM = Column("AEDTM", "sap_date", bounds=(HR_EARLIEST, LATEST))

PA0001 = _sap(
    "ibc_pa0001",
    "PA0001_",
    "monthly",
    "snapshot",
    [
        PERNR,
        Column("BEGDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, LATEST)),
        Column("ENDDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, OPEN_END)),
        Column("PERSG", "key", accepted=("1", "2", "3", "4")),
        Column("KOSTL", "key"),
        Column("ORGEH", "key"),
        Column("PLANS", "key"),
        Column("STELL", "key"),
        AEDTM,
    ],
    keys=("PERNR", "BEGDA"),
    description="Organisational assignment: employee group, cost centre and position over time.",
)

PA0002 = _sap(
    "ibc_pa0002",
    "PA0002_",
    "monthly",
    "snapshot",
    [
        PERNR,
        Column("NACHN", personal=True),
        Column("VORNA", personal=True),
        Column("GBDAT", "sap_date", personal=True),
        Column("GESCH", "key", accepted=("1", "2", "3")),
        Column("PERID", personal=True),
    ],
    keys=("PERNR",),
    description="Personal data of staff: restricted, never published.",
)

PA0007 = _sap(
    "ibc_pa0007",
    "PA0007_",
    "monthly",
    "snapshot",
    [
        PERNR,
        Column("BEGDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, LATEST)),
        Column("ENDDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, OPEN_END)),
        # Contracted weekly hours: at most 48 (the Working Time Regulations' average).
        Column("WOSTD", "decimal", not_null=True, bounds=(0, 48)),
        AEDTM,
    ],
    keys=("PERNR", "BEGDA"),
    description="Planned working time: contracted weekly hours (37 = full time).",
)

PA0000 = _sap(
    "ibc_pa0000",
    "PA0000_",
    "daily",
    "delta",
    [
        PERNR,
        Column("BEGDA", "sap_date", not_null=True),
        Column("MASSN", "key", not_null=True, accepted=("01", "02", "10")),
        Column("MASSG", "key"),
        Column("AEDTM", "sap_date", not_null=True),
    ],
    keys=("PERNR", "BEGDA", "MASSN"),
    description="Personnel actions (hire, org change, leaver) created or changed that day.",
)

PA2001 = _sap(
    "ibc_pa2001",
    "PA2001_",
    "daily",
    "delta",
    [
        PERNR,
        Column("SUBTY", "key", not_null=True, accepted=("0100", "0200", "0300", "0400")),
        Column("BEGDA", "sap_date", not_null=True),
        Column("ENDDA", "sap_date", not_null=True, not_before="BEGDA"),
        Column("ABWTG", "decimal", bounds=(0, None)),
        Column("STDAZ", "decimal", bounds=(0, None)),
        Column("AEDTM", "sap_date", not_null=True),
        Column("LOEKZ", "flag"),
    ],
    keys=("PERNR", "SUBTY", "BEGDA"),
    description="Absences created, changed or deleted that day.",
)

POSITIONS = _sap(
    "ibc_positions",
    "POSITIONS_",
    "monthly",
    "snapshot",
    [
        Column("PLANS", "key", not_null=True),
        Column("KOSTL", "key"),
        Column("BEGDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, LATEST)),
        Column("ENDDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, OPEN_END)),
        Column("FTE", "decimal", not_null=True, bounds=(0, 1)),
        Column("VACANT", "flag"),
    ],
    keys=("PLANS", "BEGDA"),
    description="Funded positions and whether they are vacant.",
)

PA0008 = _sap(
    "ibc_pa0008",
    "PA0008_",
    "monthly",
    "snapshot",
    [
        PERNR,
        Column("BEGDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, LATEST)),
        Column("ENDDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, OPEN_END)),
        Column("TRFGR", "key", not_null=True),
        Column("TRFST", "key", not_null=True),
        Column("ANSAL", "sap_amount", not_null=True),
        AEDTM,
    ],
    keys=("PERNR", "BEGDA"),
    description="Basic pay: pay grade, pay point and full-time annual salary over time.",
    amount="ANSAL",
)

ORGCHART = _sap(
    "ibc_orgchart",
    "ORGCHART_",
    "monthly",
    "snapshot",
    [
        Column("PLANS", "key", not_null=True),
        Column("BEGDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, LATEST)),
        Column("ENDDA", "sap_date", not_null=True, bounds=(HR_EARLIEST, OPEN_END)),
        Column("STEXT", not_null=True),
        Column("PLANS_UP", "key"),
    ],
    keys=("PLANS", "BEGDA"),
    description="Positions' titles and reporting lines over time (PLANS_UP blank for the chief executive).",
)

FEEDS = (PA0001, PA0002, PA0007, PA0000, PA2001, POSITIONS, PA0008, ORGCHART)
