"""Every file written conforms to sources.md, checked by a reader written from the contract."""

from __future__ import annotations

import io
import re
from datetime import datetime

from openpyxl import load_workbook
from simulator_contract import CSV, FEED_OF, IBC, JSONL, UTC_Z, check_ibc, prefix_of, read_csv, read_jsonl

from ingestion import FEEDS

SERVICES = {
    "Adult Social Care",
    "Children's Services",
    "Highways",
    "Blue Badge and Concessionary Travel",
    "School Admissions and Transport",
    "Libraries",
    "Registration",
    "Trading Standards",
    "Fire and Rescue",
}


def test_every_expected_file_is_delivered(clean_home):
    home, summary = clean_home
    land = home / "landing"
    names = {p.relative_to(land).as_posix() for p in land.rglob("*") if p.is_file()}
    assert not any(n.endswith(".part") for n in names)
    for prefix in ("PA0001", "PA0002", "PA0007", "POSITIONS", "CSKS"):
        assert f"{FEED_OF[prefix]}/{prefix}_20250401.txt" in names
    for day in range(1, 10):
        stamp = f"202504{day:02d}"
        for prefix in ("PA0000", "PA2001", "LFA1", "FI_ITEMS", "PAYMENTS"):
            assert f"{FEED_OF[prefix]}/{prefix}_{stamp}.txt" in names
        assert f"csc/telephony/cdr_{stamp}.jsonl" in names
        assert f"csc/crm/contacts_{stamp}.csv" in names
        assert f"web/forms/eforms_{stamp}.jsonl" in names
    assert "ibc/finance/BUDGET_2025.txt" in names
    assert "care/payments/care_payments_20250407.csv" in names
    assert "procurement/contracts/contracts_register_20250401.csv" in names
    assert "procurement/cards/pcard_transactions_202503.csv" in names  # on the 5th, for March
    assert "programme/benefits/benefits_tracker_20250401.xlsx" in names
    for system in ("adult_social_care", "blue_badge", "libraries", "school_admissions"):
        assert f"services/person_index/{system}_20250401.csv" in names
    assert not (land / "simulator_truth").exists() and (home / "simulator_truth").is_dir()
    assert summary["defects"] == 0


def test_ibc_files_follow_the_contract(clean_home):
    home, _ = clean_home
    files = sorted((home / "landing" / "ibc").rglob("*.txt"))
    assert len(files) > 50
    for path in files:
        assert prefix_of(path.name) in IBC
        check_ibc(path)


def test_ibc_headers_are_not_all_in_contract_order(clean_home):
    home, _ = clean_home
    shuffled = 0
    for path in (home / "landing" / "ibc").rglob("*_20250401.txt"):
        header = path.read_bytes().split(b"\r\n", 1)[0].decode("cp1252").split("|")
        shuffled += header != IBC[prefix_of(path.name)]
    assert shuffled >= 3


def test_ibc_text_uses_windows_1252_characters(clean_home):
    home, _ = clean_home
    raw = b"".join(p.read_bytes() for p in (home / "landing" / "ibc").rglob("*.txt"))
    assert b"\xa3" in raw  # the pound sign
    assert any(ch in raw for ch in (b"\xeb", b"\xe9", b"\xe2"))  # e.g. Zoë, Renée, Siân


def test_csv_files_follow_the_contract(clean_home):
    home, _ = clean_home
    land = home / "landing"
    checked, kinds = 0, set()
    for path in land.rglob("*.csv"):
        feed = path.parent.relative_to(land).as_posix()
        kind = prefix_of(path.name)
        kinds.add(kind)
        header, rows = read_csv(path, bom=feed == "care/payments")
        assert header == CSV[kind], path.name
        assert all(len(r) == len(header) for r in rows)
        col = {c: i for i, c in enumerate(header)}
        for row in rows:
            if kind == "contacts":
                datetime.strptime(row[col["created_at"]], "%Y-%m-%d %H:%M:%S")
                assert row[col["service"]] in SERVICES
                assert row[col["customer_dob"]] == "" or re.fullmatch(
                    r"\d{2}/\d{2}/\d{4}", row[col["customer_dob"]]
                )
                assert (row[col["channel"]] == "Phone") == (row[col["call_id"]] != "")
            if kind == "care_payments":
                assert row[col["directorate"]] in ("ADULTS", "CHILDRENS")
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[col["period_start"]])
            if kind == "contracts_register":
                assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", row[col["review_date"]])
                assert row[col["status"]] in ("Active", "Expired", "Terminated", "Failing")
        checked += 1
    assert checked >= 9 + 1 + 1 + 1 + 4
    assert kinds == set(CSV)  # every CSV feed's FeedSpec was delivered and read


def test_jsonl_files_follow_the_contract(clean_home):
    home, _ = clean_home
    land = home / "landing"
    checked = set()
    for spec in (spec for spec in FEEDS if spec.format == "jsonl"):
        kind = spec.file_prefix.rstrip("_")
        for path in (land / spec.feed_path).glob(f"{spec.file_prefix}*.jsonl"):
            checked.add(kind)
            records = read_jsonl(path)
            assert records, f"{path.name} is empty"
            for rec in records:
                assert list(rec) == JSONL[kind]
                for field in ("offered_at", "ended_at", "started_at"):
                    if field in rec:
                        assert UTC_Z.match(rec[field])
                for field in ("answered_at", "submitted_at"):
                    if rec.get(field) is not None:
                        assert UTC_Z.match(rec[field])
                if kind == "cdr":
                    assert rec["queue"] in SERVICES
                    assert rec["caller_number"].startswith("+44")
                    assert (rec["answered_at"] is None) == (rec["agent_id"] is None)
                if kind == "eforms":
                    assert isinstance(rec["payload"], dict)
    assert checked == set(JSONL)  # every JSON lines feed delivered and read


def test_phone_contacts_link_to_answered_inbound_calls(clean_home):
    home, _ = clean_home
    land = home / "landing"
    answered = set()
    for path in (land / "csc/telephony").glob("*.jsonl"):
        answered |= {
            r["call_id"] for r in read_jsonl(path) if r["answered_at"] and r["direction"] == "inbound"
        }
    linked = 0
    for path in (land / "csc/crm").glob("*.csv"):
        header, rows = read_csv(path, bom=False)
        i = header.index("call_id")
        for row in rows:
            if row[i]:
                assert row[i] in answered
                linked += 1
    assert linked > 0


def test_benefits_workbook_has_the_contract_sheet(clean_home):
    home, _ = clean_home
    path = home / "landing/programme/benefits/benefits_tracker_20250401.xlsx"
    wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    rows = list(wb["Benefits"].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "workstream")
    assert header_at >= 1  # a title row sits above the header
    assert list(rows[header_at]) == [
        "workstream",
        "financial_year",
        "planned_gbp",
        "forecast_gbp",
        "delivered_gbp",
        "rag_reported",
        "owner",
    ]
    data = [r for r in rows[header_at + 1 :] if r and r[0] not in (None, "Total")]
    assert {r[0] for r in data} >= {"Finance", "Provision Cycle", "Children's Transformation"}
    assert all(re.fullmatch(r"\d{4}/\d{2}", r[1]) and r[5] in ("G", "A", "R") for r in data)
    assert any(r and r[0] == "Total" for r in rows)
