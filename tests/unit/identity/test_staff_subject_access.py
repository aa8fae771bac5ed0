"""A member of staff's subject access request (`--system ibc_hr --record PERNR`): every HR extract row
held under their PERNR is returned, named by system and PERNR; erasure refuses staff, saying why."""

import json

import duckdb
import pytest

from identity import erasure, subjects
from identity.governance import GovernanceError


@pytest.fixture
def con():
    with duckdb.connect() as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.ibc_pa0002 as select * from (values "
            "('00001001', 'Ada'), ('00001002', 'Bert')) t(\"PERNR\", \"VORNA\")"
        )
        con.execute(
            "create table raw.ibc_pa0001 as select * from (values ("
            "'00001001', '2025-01-01'), ('00001001', '2025-04-01'), ('00001002', '2025-01-01')"
            ') t("PERNR", "BEGDA")'
        )
        yield con


def test_staff_subject_access_returns_every_hr_row_under_their_pernr(con, tmp_path):
    found = subjects.resolve(con, subjects.STAFF, "00001001")
    assert (found.customer_keys, found.records, found.systems) == (0, 1, ("ibc_hr",))
    written = subjects.write_subject_access(con, tmp_path / "out")
    assert written == {"raw.ibc_pa0001": 2, "raw.ibc_pa0002": 1}
    rows = json.loads((tmp_path / "out" / "raw.ibc_pa0002.json").read_text())
    assert rows == [
        {"_source_system": "ibc_hr", "_record_id": "00001001", "PERNR": "00001001", "VORNA": "Ada"}
    ]


def test_an_unknown_pernr_is_refused_without_repeating_it(con):
    with pytest.raises(GovernanceError, match="nothing is held under that ibc_hr record id"):
        subjects.resolve(con, subjects.STAFF, "00009999")


def test_erasure_refuses_staff_and_says_why(con, tmp_path):
    with pytest.raises(GovernanceError, match="staff records are not erased here"):
        erasure.erase(con, tmp_path, "salt", subjects.STAFF, "00001001")
    assert con.execute("select count(*) from raw.ibc_pa0002").fetchone() == (2,)


def test_staff_subject_access_returns_their_purchase_card_transactions_and_texts(con, tmp_path):
    """The cardholder of a purchase card is staff: their card rows (raw, and the restricted texts)
    are theirs to see, named ibc_hr and the PERNR; another cardholder's rows are not."""
    con.execute("create schema restricted")
    con.execute(
        "create table raw.procurement_card_transactions as select * from (values "
        "('PC1', '00001001', 'train to County Hall'), ('PC2', '00001002', 'postage')) "
        "t(transaction_id, cardholder_pernr, description)"
    )
    con.execute(
        "create table restricted.stg_procurement__card_texts as "
        "select transaction_id, cardholder_pernr, description from raw.procurement_card_transactions"
    )
    subjects.resolve(con, subjects.STAFF, "00001001")
    written = subjects.write_subject_access(con, tmp_path / "out")
    assert written["raw.procurement_card_transactions"] == 1
    assert written["restricted.stg_procurement__card_texts"] == 1
    rows = json.loads((tmp_path / "out" / "raw.procurement_card_transactions.json").read_text())
    assert [(r["_source_system"], r["_record_id"], r["transaction_id"]) for r in rows] == [
        ("ibc_hr", "00001001", "PC1")
    ]
