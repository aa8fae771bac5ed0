"""A reader of the landing files written from sources.md alone (not from the simulator's code)."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

IBC = {
    "PA0001": ["PERNR", "BEGDA", "ENDDA", "PERSG", "KOSTL", "ORGEH", "PLANS", "STELL", "AEDTM"],
    "PA0002": ["PERNR", "NACHN", "VORNA", "GBDAT", "GESCH", "PERID"],
    "PA0007": ["PERNR", "BEGDA", "ENDDA", "WOSTD", "AEDTM"],
    "PA0000": ["PERNR", "BEGDA", "MASSN", "MASSG", "AEDTM"],
    "PA2001": ["PERNR", "SUBTY", "BEGDA", "ENDDA", "ABWTG", "STDAZ", "AEDTM", "LOEKZ"],
    "POSITIONS": ["PLANS", "KOSTL", "BEGDA", "ENDDA", "FTE", "VACANT"],
    "CSKS": ["KOSTL", "DATAB", "DATBI", "KTEXT", "ZDIRECT", "ZSERVICE", "VERAK"],
    "LFA1": ["LIFNR", "NAME1", "ORT01", "PSTLZ", "STCEG", "KTOKK", "ZCRN", "ZSME", "AEDTM"],
    "FI_ITEMS": [
        "BUKRS",
        "BELNR",
        "GJAHR",
        "BUZEI",
        "BLART",
        "BLDAT",
        "BUDAT",
        "CPUDT",
        "HKONT",
        "KOSTL",
        "LIFNR",
        "DMBTR",
        "SHKZG",
        "EBELN",
        "ZCONTRACT",
        "XBLNR",
        "SGTXT",
    ],
    "PAYMENTS": ["LAUFD", "BUKRS", "VBLNR", "LIFNR", "BELNR", "GJAHR", "ZALDT", "RWBTR", "RZAWE"],
    "BUDGET": ["GJAHR", "VERSN", "KOSTL", "HKONT", "PERIO", "WTGBTR"],
}
AMOUNT = {"FI_ITEMS": "DMBTR", "PAYMENTS": "RWBTR", "BUDGET": "WTGBTR"}
KEY_WIDTH = {
    "PERNR": 8,
    "KOSTL": 10,
    "LIFNR": 10,
    "BELNR": 10,
    "PLANS": 8,
    "ORGEH": 8,
    "STELL": 8,
    "VBLNR": 10,
    "HKONT": 6,
    "BUZEI": 3,
    "VERAK": 8,
}
DATES = {"BEGDA", "ENDDA", "AEDTM", "GBDAT", "DATAB", "DATBI", "BLDAT", "BUDAT", "CPUDT", "LAUFD", "ZALDT"}
CSV = {
    "contracts_register": [
        "contract_ref",
        "title",
        "supplier_name",
        "lifnr",
        "company_number",
        "category",
        "directorate",
        "start_date",
        "end_date",
        "review_date",
        "max_extension_months",
        "total_value_gbp",
        "annual_value_gbp",
        "sme",
        "vcse",
        "route",
        "status",
    ],
    "care_payments": [
        "payment_line_id",
        "provider_ref",
        "provider_name",
        "lifnr",
        "client_ref",
        "service_type",
        "directorate",
        "period_start",
        "period_end",
        "units",
        "unit",
        "unit_rate",
        "amount_gbp",
        "bdu_batch_id",
    ],
    "contacts": [
        "contact_id",
        "created_at",
        "channel",
        "call_id",
        "service",
        "reason",
        "outcome",
        "case_ref",
        "customer_title",
        "customer_first_name",
        "customer_last_name",
        "customer_dob",
        "customer_email",
        "customer_phone",
        "address_line1",
        "postcode",
        "uprn",
        "agent_id",
        "satisfaction",
    ],
    "person_index": [
        "source_person_id",
        "first_name",
        "middle_name",
        "last_name",
        "dob",
        "gender",
        "address_line1",
        "postcode",
        "uprn",
        "nhs_number",
        "email",
        "phone",
    ],
}
JSONL = {
    "cdr": [
        "call_id",
        "direction",
        "queue",
        "caller_number",
        "offered_at",
        "answered_at",
        "ended_at",
        "agent_id",
        "talk_s",
        "hold_s",
        "wrap_s",
        "transferred_to",
        "callback_requested",
    ],
    "eforms": [
        "submission_id",
        "form",
        "started_at",
        "submitted_at",
        "account_id",
        "email",
        "first_name",
        "last_name",
        "dob",
        "postcode",
        "uprn",
        "payload",
    ],
}
FEED_OF = {
    "PA0001": "ibc/hr",
    "PA0002": "ibc/hr",
    "PA0007": "ibc/hr",
    "PA0000": "ibc/hr",
    "PA2001": "ibc/hr",
    "POSITIONS": "ibc/hr",
    "CSKS": "ibc/finance",
    "LFA1": "ibc/finance",
    "FI_ITEMS": "ibc/finance",
    "PAYMENTS": "ibc/finance",
    "BUDGET": "ibc/finance",
}
UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def prefix_of(name: str) -> str:
    """File type from a file name: the part before the date (or the year for BUDGET)."""
    return re.sub(r"_\d{4,8}\.\w+$", "", name)


def read_ibc(path: Path) -> tuple[list[str], list[list[str]], tuple[int, str] | None]:
    """Decode Windows-1252, split CRLF lines and the pipe; return header, rows, (trailer count, total)."""
    raw = path.read_bytes()
    text = raw.decode("cp1252", errors="strict")
    assert text.endswith("\r\n"), f"{path.name}: last line not CRLF-terminated"
    lines = text[:-2].split("\r\n")
    assert all("\n" not in ln and "\r" not in ln for ln in lines), f"{path.name}: bare LF or CR"
    header = lines[0].split("|")
    trailer = None
    body = lines[1:]
    if body and body[-1].startswith("TRL|"):
        _, count, total = body[-1].split("|")
        trailer = (int(count), total)
        body = body[:-1]
    rows = [ln.split("|") for ln in body]
    return header, rows, trailer


def check_ibc(path: Path) -> int:
    """Assert the IBC rules of sources.md on one file; return its data row count."""
    prefix = prefix_of(path.name)
    header, rows, trailer = read_ibc(path)
    assert sorted(header) == sorted(IBC[prefix]), f"{path.name}: header {header}"
    assert trailer is not None, f"{path.name}: no trailer"
    assert trailer[0] == len(rows), f"{path.name}: trailer count {trailer[0]} != {len(rows)}"
    col = {name: i for i, name in enumerate(header)}
    for row in rows:
        assert len(row) == len(header), f"{path.name}: field count"
        for name, width in KEY_WIDTH.items():
            if name in col and row[col[name]] != "":
                assert re.fullmatch(rf"\d{{{width}}}", row[col[name]]), (
                    f"{path.name}: {name}={row[col[name]]}"
                )
        for name in DATES & set(col):
            assert re.fullmatch(r"\d{8}", row[col[name]]), f"{path.name}: {name}={row[col[name]]}"
        if "BUKRS" in col:
            assert row[col["BUKRS"]] == "1000"
    if prefix in AMOUNT:
        pattern = r"-?\d+\.\d{2}" if prefix == "BUDGET" else r"\d+\.\d{2}"
        values = [row[col[AMOUNT[prefix]]] for row in rows]
        assert all(re.fullmatch(pattern, v) for v in values), f"{path.name}: amount format"
        total = sum((abs(Decimal(v)) for v in values), Decimal("0"))
        assert re.fullmatch(r"\d+\.\d{2}", trailer[1]), f"{path.name}: trailer total {trailer[1]}"
        assert Decimal(trailer[1]) == total, f"{path.name}: trailer total {trailer[1]} != {total}"
    else:
        assert trailer[1] == "0", f"{path.name}: trailer total must be 0"
    return len(rows)


def read_csv(path: Path, bom: bool) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == bom, f"{path.name}: BOM expected={bom}"
    text = raw.decode("utf-8-sig" if bom else "utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
