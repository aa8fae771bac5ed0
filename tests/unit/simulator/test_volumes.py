"""Volumes scale linearly with --scale and every category has data even at small scale."""

from __future__ import annotations

import csv
import datetime as dt
import io

from simulator_contract import read_csv, read_ibc, read_jsonl

from simulator import simulate

SCALE = 0.02
DIRECTORATES = {"ADULTS", "CHILDRENS", "PUBHEALTH", "ENVPLACE", "FIRE", "RESOURCES", "CUSTCULT"}
FORMS = {
    "report-a-pothole",
    "apply-blue-badge",
    "apply-school-place",
    "apply-bus-pass",
    "request-care-assessment",
    "complaint",
    "book-registration-appointment",
    "renew-library-membership",
}


def _ibc_dicts(path):
    header, rows, _ = read_ibc(path)
    return [dict(zip(header, r, strict=True)) for r in rows]


def test_staff_and_directorates(clean_home):
    home, _ = clean_home
    hr = home / "landing/ibc/hr"
    pa1 = _ibc_dicts(hr / "PA0001_20250401.txt")
    csks = _ibc_dicts(home / "landing/ibc/finance/CSKS_20250401.txt")
    employed = {r["PERNR"] for r in pa1 if r["BEGDA"] <= "20250401" <= r["ENDDA"]}
    assert 5500 * SCALE * 0.8 <= len(employed) <= 5500 * SCALE * 1.2
    assert {r["ZDIRECT"] for r in csks} == DIRECTORATES
    kostl_dir = {r["KOSTL"]: r["ZDIRECT"] for r in csks}
    assert {kostl_dir[r["KOSTL"]] for r in pa1 if r["PERNR"] in employed} == DIRECTORATES
    assert {r["PERSG"] for r in pa1} == {"1", "2", "3", "4"}
    assert any(r["ENDDA"] != "99991231" for r in pa1)  # leavers are kept in the history
    hours = _ibc_dicts(hr / "PA0007_20250401.txt")
    assert any(float(r["WOSTD"]) < 37 for r in hours)
    positions = _ibc_dicts(hr / "POSITIONS_20250401.txt")
    valid = [r for r in positions if r["BEGDA"] <= "20250401" <= r["ENDDA"]]
    vacant = sum(float(r["FTE"]) for r in valid if r["VACANT"] == "X") / sum(float(r["FTE"]) for r in valid)
    assert 0.04 <= vacant <= 0.16


def test_contact_volumes_per_day(clean_home):
    home, _ = clean_home
    land = home / "landing"
    contacts = sum(len(read_csv(p, bom=False)[1]) for p in (land / "csc/crm").glob("*.csv"))
    calls = sum(
        sum(r["direction"] == "inbound" for r in read_jsonl(p)) for p in (land / "csc/telephony").glob("*")
    )
    days = 9
    assert 400_000 / 365 * days * SCALE * 0.6 <= contacts <= 400_000 / 365 * days * SCALE * 1.5
    assert 170_000 / 365 * days * SCALE * 0.6 <= calls <= 170_000 / 365 * days * SCALE * 1.6


def test_every_category_has_data_at_small_scale(tmp_path):
    simulate(tmp_path, scale=0.01, start=dt.date(2025, 4, 1), days=31, seed=2, defects=0)
    land = tmp_path / "landing"
    services, reasons, channels, forms = set(), set(), set(), set()
    for p in (land / "csc/crm").glob("*.csv"):
        for row in csv.DictReader(io.StringIO(p.read_text(encoding="utf-8"))):
            services.add(row["service"])
            reasons.add(row["reason"])
            channels.add(row["channel"])
    for p in (land / "web/forms").glob("*.jsonl"):
        forms |= {r["form"] for r in read_jsonl(p)}
    assert len(services) == 9 and len(reasons) == 12 and len(channels) == 7
    assert forms == FORMS
    spend_dirs, blart = set(), set()
    csks = {r["KOSTL"]: r["ZDIRECT"] for r in _ibc_dicts(land / "ibc/finance/CSKS_20250401.txt")}
    for p in (land / "ibc/finance").glob("FI_ITEMS_*.txt"):
        for r in _ibc_dicts(p):
            blart.add(r["BLART"])
            if r["KOSTL"] and r["HKONT"] < "600000":
                spend_dirs.add(csks[r["KOSTL"]])
    assert blart == {"KR", "KG", "SA"}
    assert spend_dirs == {"ADULTS", "CHILDRENS", "PUBHEALTH", "ENVPLACE", "FIRE", "RESOURCES", "CUSTCULT"}
    care = [read_csv(p, bom=True)[1] for p in (land / "care/payments").glob("*.csv")]
    assert care and all(care)
    persons = (tmp_path / "simulator_truth/persons.csv").read_text().splitlines()
    systems = {line.split(",")[0] for line in persons[1:]}
    assert systems == {"crm", "eforms", "adult_social_care", "blue_badge", "libraries", "school_admissions"}
