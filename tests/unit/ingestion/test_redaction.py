"""Erased records: delivered copies rewritten without their lines, the register kept in step, and a
re-delivery loaded without them (`suppressed_by_erasure`), the archived copy rewritten too."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from identity import erasure
from ingestion import redaction, register
from ingestion.care import CARE_PAYMENTS
from ingestion.csc_crm import CONTACTS
from ingestion.csc_telephony import CDR
from ingestion.landing import ingest_feed
from ingestion.layout import Layout
from ingestion.web_forms import EFORMS

SALT = "redaction-test-salt"
HEADER = ",".join(c.name for c in CONTACTS.columns)


def contact(contact_id: str, name: str, **more: str) -> str:
    values = {c.name: "" for c in CONTACTS.columns}
    values.update(
        {
            "contact_id": contact_id,
            "created_at": "2025-04-01 10:00:00",
            "channel": "Email",
            "service": "Libraries",
            "customer_first_name": name,
            "customer_last_name": "Quorndon",
            "customer_email": f"{name.lower()}@example.org",
            **more,
        }
    )
    return ",".join(f'"{values[c.name]}"' for c in CONTACTS.columns)


def deliver(home: Path, name: str, lines: list[str], mtime: int = 1_700_000_000) -> Path:
    path = Layout(home).landing / CONTACTS.feed_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def test_a_csv_copy_is_rewritten_without_the_records_lines_and_keeps_its_time(tmp_path):
    layout = Layout(tmp_path)
    path = layout.archive / CONTACTS.feed_path / "contacts_20250401.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "\n".join([HEADER, contact("C1", "Ada"), contact("C2", "Bert"), contact("C3", "Cleo")]) + "\n"
    )
    os.utime(path, (1_700_000_000, 1_700_000_000))
    (done,) = redaction.redact_copies(layout, {"crm": {"C2"}})
    assert done.lines_removed == (3,) and path.read_text().count("Bert") == 1  # not applied yet
    redaction.apply([done])
    text = path.read_text()
    assert "Bert" not in text and "Ada" in text and "Cleo" in text
    assert hashlib.sha256(path.read_bytes()).hexdigest() == done.new_sha256
    assert path.stat().st_mtime == 1_700_000_000
    assert redaction.redact_copies(layout, {"crm": {"C2"}}) == []  # nothing left to remove


def test_a_jsonl_line_and_an_unparseable_line_holding_the_id_are_removed(tmp_path):
    layout = Layout(tmp_path)
    path = layout.quarantine / EFORMS.feed_path / "eforms_20250401.jsonl"
    path.parent.mkdir(parents=True)
    lines = [
        json.dumps({"submission_id": "E1"}),
        json.dumps({"submission_id": "E2"}),
        '{"submission_id": "E2", broken',
    ]
    path.write_text("\n".join(lines) + "\n")
    (done,) = redaction.redact_copies(layout, {"eforms": {"E2"}})
    redaction.apply([done])
    assert done.lines_removed == (2, 3) and path.read_text() == lines[0] + "\n"


def test_discarded_rewrites_leave_the_delivered_copy(tmp_path):
    layout = Layout(tmp_path)
    path = layout.archive / CONTACTS.feed_path / "contacts_20250401.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([HEADER, contact("C1", "Ada")]) + "\n")
    done = redaction.redact_copies(layout, {"crm": {"C1"}})
    redaction.discard(done)
    assert "Ada" in path.read_text() and [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_redelivered_record_is_suppressed_counted_and_rewritten_out_of_the_archive(tmp_path):
    deliver(tmp_path, "contacts_20250401.csv", [contact("C1", "Ada"), contact("C2", "Bert")])
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        redaction.register_erased(con, SALT, "erasure", None, {"crm": {"C2"}})
        # Without the salt the erased record cannot be recognised: refused loudly, never loaded.
        deliver(tmp_path, "contacts_20250402.csv", [contact("C2", "Bert")])
        with pytest.raises(redaction.ErasureError, match="needs INSIGHT_HUB_SALT"):
            ingest_feed(con, tmp_path, CONTACTS)
        outcome = ingest_feed(con, tmp_path, CONTACTS, salt=SALT).files
        assert [(f.file_name, f.status, f.rows_loaded) for f in outcome] == [
            ("contacts_20250402.csv", "loaded", 0)
        ]
        suppressed = con.execute(
            "select suppressed_by_erasure, sha256 from ops.file_register "
            "where file_name = 'contacts_20250402.csv'"
        ).fetchone()
        held = con.execute("select count(*) from raw.csc_crm_contacts where contact_id = 'C2'").fetchone()[0]
        assert register.out_of_balance(con, CONTACTS.table) == []
    archived = Layout(tmp_path).archive / CONTACTS.feed_path / "contacts_20250402.csv"
    assert suppressed[0] == 1 and held == 1  # C2's first delivery is erasure's to remove, not ingestion's
    assert "Bert" not in archived.read_text()
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == suppressed[1]


def test_the_erasure_register_holds_keyed_hashes_only(tmp_path):
    with duckdb.connect() as con:
        redaction.register_erased(con, SALT, "retention", None, {"crm": {"C000777"}})
        row = con.execute("select reason, source_system, record_hash from ops.erasure_register").fetchone()
        with pytest.raises(ValueError, match="unknown reason"):
            redaction.register_erased(con, SALT, "tidy", None, {"crm": {"C1"}})
    assert row == ("retention", "crm", redaction.record_hash(SALT, "crm", "C000777"))
    assert "C000777" not in row[2]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def crash_before_the_swap(redactions: list[redaction.Redaction]) -> None:
    raise KeyboardInterrupt("killed between the commit and the swap")


def test_a_removal_cut_short_after_its_commit_is_finished_by_the_next_load(tmp_path, monkeypatch):
    deliver(tmp_path, "contacts_20250401.csv", [contact("C1", "Ada"), contact("C2", "Bert")])
    archived = Layout(tmp_path).archive / CONTACTS.feed_path / "contacts_20250401.csv"
    hidden = archived.with_name(f".{archived.name}{redaction.REWRITTEN_SUFFIX}")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        erasure.name_records(con, {"crm": {"C2"}})
        monkeypatch.setattr(redaction, "apply", crash_before_the_swap)
        with pytest.raises(KeyboardInterrupt):
            erasure.remove(con, tmp_path, SALT, {"crm": {"C2"}}, "erasure", None)
        monkeypatch.undo()
        # Committed: the rows are gone and the register names the rewrite, but the delivered copy
        # still holds the person and its rewrite waits beside it.
        held = con.execute("select count(*) from raw.csc_crm_contacts where contact_id = 'C2'").fetchone()
        assert held == (0,)
        assert "Bert" in archived.read_text() and hidden.exists()
        [(registered,)] = con.execute("select sha256 from ops.file_register").fetchall()
        assert registered != sha(archived)

        outcome = ingest_feed(con, tmp_path, CONTACTS, salt=SALT)  # the next refresh

        assert outcome.files == []  # the copy matches the register again: nothing judged anew
        assert not hidden.exists() and "Bert" not in archived.read_text() and "Ada" in archived.read_text()
        assert sha(archived) == registered
        assert register.out_of_balance(con, CONTACTS.table) == []


def test_a_rewrite_never_committed_is_dropped_and_the_next_erasure_starts_clean(tmp_path, monkeypatch):
    deliver(tmp_path, "contacts_20250401.csv", [contact("C1", "Ada"), contact("C2", "Bert")])
    layout = Layout(tmp_path)
    archived = layout.archive / CONTACTS.feed_path / "contacts_20250401.csv"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        # Killed after writing the rewrite, before the transaction: nothing was committed.
        (orphan,) = redaction.redact_copies(layout, {"crm": {"C1"}})
        assert redaction.finish_interrupted(con, layout) == (0, 1)
        assert not orphan.rewritten.exists() and "Ada" in archived.read_text()

        # Killed after the commit of C2's erasure: the erasure of C1 completes it first, then its own.
        erasure.name_records(con, {"crm": {"C2"}})
        monkeypatch.setattr(redaction, "apply", crash_before_the_swap)
        with pytest.raises(KeyboardInterrupt):
            erasure.remove(con, tmp_path, SALT, {"crm": {"C2"}}, "erasure", None)
        monkeypatch.undo()
        erasure.name_records(con, {"crm": {"C1"}})
        erasure.remove(con, tmp_path, SALT, {"crm": {"C1"}}, "erasure", None)
        text = archived.read_text()
        assert "Ada" not in text and "Bert" not in text
        assert [p.name for p in archived.parent.iterdir()] == [archived.name]
        [(registered,)] = con.execute("select sha256 from ops.file_register").fetchall()
        assert sha(archived) == registered and register.out_of_balance(con, CONTACTS.table) == []


def test_an_erased_person_stays_erased_after_a_rebuild_from_the_archive(tmp_path):
    original = [contact("C1", "Ada"), contact("C2", "Bert")]
    deliver(tmp_path, "contacts_20250401.csv", original)
    layout = Layout(tmp_path)
    with duckdb.connect(str(layout.warehouse)) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        erasure.name_records(con, {"crm": {"C2"}})
        erasure.remove(con, tmp_path, SALT, {"crm": {"C2"}}, "erasure", None)
    saved = layout.erasure_register
    assert saved.exists() and saved.stat().st_mode & 0o777 == 0o600
    assert saved.parent.stat().st_mode & 0o777 == 0o700
    assert b"C2" not in saved.read_bytes()  # keyed hashes only

    layout.warehouse.unlink()  # lost: rebuilt from archive/
    with duckdb.connect(str(layout.warehouse)) as con:
        rebuilt = ingest_feed(con, tmp_path, CONTACTS, salt=SALT).files
        assert [f.file_name for f in rebuilt] == ["contacts_20250401.csv"]
        assert con.execute("select record_hash from ops.erasure_register").fetchall() == [
            (redaction.record_hash(SALT, "crm", "C2"),)
        ]
        # The CRM sends the original file again: the erased record is withheld, not loaded.
        deliver(tmp_path, "contacts_20250401.csv", original, mtime=1_700_100_000)
        again = ingest_feed(con, tmp_path, CONTACTS, salt=SALT).files
        held = con.execute("select contact_id from raw.csc_crm_contacts order by 1").fetchall()
        suppressed = con.execute(
            "select suppressed_by_erasure from ops.file_register order by version desc limit 1"
        ).fetchone()
    assert [f.file_name for f in again] == ["contacts_20250401.csv"]
    assert held == [("C1",)] and suppressed == (1,)


def test_a_register_entry_committed_but_not_saved_is_saved_by_the_next_load(tmp_path):
    deliver(tmp_path, "contacts_20250401.csv", [contact("C1", "Ada")])
    layout = Layout(tmp_path)
    with duckdb.connect(str(layout.warehouse)) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        redaction.register_erased(con, SALT, "erasure", None, {"crm": {"C9"}})  # no save: a crash
        assert not layout.erasure_register.exists()
        ingest_feed(con, tmp_path, CONTACTS, salt=SALT)
        assert redaction.restore_register(con, layout) == 0  # nothing to bring back: in step
    with duckdb.connect() as con:
        saved = con.execute(f"select count(*) from '{layout.erasure_register}'").fetchone()
    assert saved == (1,)


CARE_HEADER = ",".join(f'"{c.name}"' for c in CARE_PAYMENTS.columns)


def payment(line: str, client: str) -> str:
    return (
        f'"PL{line}","PRV1","Sheldon Care Homes Ltd","0000100029","{client}","Residential","ADULTS",'
        '"2025-04-28","2025-05-04","7.00","night","100.00","700.00","25050501"'
    )


def deliver_payments(home: Path, name: str, lines: list[str], mtime: int = 1_700_000_000) -> Path:
    path = Layout(home).landing / CARE_PAYMENTS.feed_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + "\r\n".join([CARE_HEADER, *lines]) + "\r\n").encode("utf-8"))
    os.utime(path, (mtime, mtime))
    return path


def test_a_care_payment_of_an_erased_person_is_kept_without_its_link_to_them(tmp_path):
    lines = [payment("1", "ASC0000001"), payment("2", "ASC0000002")]
    deliver_payments(tmp_path, "care_payments_20250505.csv", lines)
    archived = Layout(tmp_path).archive / CARE_PAYMENTS.feed_path / "care_payments_20250505.csv"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CARE_PAYMENTS)
        # Subject access returns the person's payment lines, each named by its payment line id.
        erasure.subjects.resolve(con, "adult_social_care", "ASC0000002")
        written = erasure.subjects.write_subject_access(con, tmp_path / "sar")
        [returned] = json.loads((tmp_path / "sar" / "raw.care_payments.json").read_text())
        assert written == {"raw.care_payments": 1}
        assert (returned["_source_system"], returned["_record_id"]) == ("care_payments", "PL2")
        erasure.name_records(con, {"adult_social_care": {"ASC0000002"}})
        rows, rewritten = erasure.remove(
            con, tmp_path, SALT, {"adult_social_care": {"ASC0000002"}}, "erasure", None
        )
        payments = con.execute(
            "select payment_line_id, client_ref, amount_gbp from raw.care_payments order by 1"
        ).fetchall()
        counts = con.execute("select rows_read, rows_loaded, sha256 from ops.file_register").fetchone()
        assert register.out_of_balance(con, CARE_PAYMENTS.table) == []
    # The payment stays (the council's accounts, the BDU batch's reconciliation), unlinked from them.
    assert rows == {"raw.care_payments": 1} and rewritten[0].lines_blanked == (3,)
    assert [(p, c) for p, c, _ in payments] == [("PL1", "ASC0000001"), ("PL2", None)]
    data = archived.read_bytes()
    assert b"ASC0000002" not in data and data.count(b"\r\n") == 3
    assert b'"PL2","PRV1","Sheldon Care Homes Ltd","0000100029",,"Residential"' in data
    assert counts[:2] == (2, 2) and counts[2] == sha(archived)

    # A re-delivery loads the payment without the link, and its archived copy is rewritten too.
    deliver_payments(tmp_path, "care_payments_20250512.csv", [payment("3", "ASC0000002")], 1_700_100_000)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CARE_PAYMENTS, salt=SALT)
        again = con.execute(
            "select client_ref from raw.care_payments where payment_line_id = 'PL3'"
        ).fetchone()
        assert register.out_of_balance(con, CARE_PAYMENTS.table) == []
    assert again == (None,)
    redelivered = Layout(tmp_path).archive / CARE_PAYMENTS.feed_path / "care_payments_20250512.csv"
    assert "ASC0000002" not in redelivered.read_text(encoding="utf-8-sig")


def test_erasure_removes_the_persons_refused_lines_that_no_loaded_record_names(tmp_path):
    refused = contact("C7", "Bert").replace('"Email"', '"Pigeon"')  # a channel the CRM does not have
    deliver(tmp_path, "contacts_20250401.csv", [contact("C1", "Ada"), contact("C2", "Bert"), refused])
    deliver(
        tmp_path, "contacts_20250402.csv", [contact("C3", "Ada"), refused.replace("C7", "C9")], 1_700_000_100
    )
    archived = Layout(tmp_path).archive / CONTACTS.feed_path
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        assert con.execute("select count(*) from ops.quarantined_rows").fetchone()[0] >= 2
        sweep = (erasure.subjects.resolve(con, "crm", "C2"), erasure.subjects.refused_lines_sweep(con))[1]
        assert sweep.values == {"bert@example.org"}
        done = erasure.erase(con, tmp_path, SALT, "crm", "C2")
        left = con.execute("select contact_id from raw.csc_crm_contacts order by 1").fetchall()
        refused_left = con.execute("select count(*) from ops.quarantined_rows").fetchone()[0]
        assert register.out_of_balance(con, CONTACTS.table) == []
        # A value another loaded record holds too claims nothing (a family's shared email): C3 is
        # not resolved to C1's customer here, and has the same email.
        erasure.subjects.resolve(con, "crm", "C1")
        assert erasure.subjects.refused_lines_sweep(con).values == frozenset()
    assert left == [("C1",), ("C3",)] and refused_left == 0
    assert done.files_rewritten == 2 and done.lines_removed == 3
    for name in ("contacts_20250401.csv", "contacts_20250402.csv"):
        text = (archived / name).read_text()
        assert "Bert" not in text and "bert@example.org" not in text and "Ada" in text


def call(call_id: str, number: str, direction: str = "inbound") -> str:
    values: dict = {c.name: None for c in CDR.columns}
    values.update(
        call_id=call_id,
        direction=direction,
        queue="Libraries",
        caller_number=number,
        offered_at="2025-04-01T09:00:00Z",
        ended_at="2025-04-01T09:05:00Z",
    )
    return json.dumps(values)


def deliver_calls(home: Path, name: str, lines: list[str]) -> None:
    path = Layout(home).landing / CDR.feed_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))


def calls_world(home: Path, cleo_phone: str) -> None:
    """Ada and Bert phoned in (contacts C1, C2 naming calls CL1, CL2); Bert also called from his
    phone with no contact recorded (CL3, written +44 where his contact wrote 07700 900222) and once
    more in a line the feed refused (CL9, an unknown direction); Cleo's contact gives `cleo_phone`."""
    deliver(
        home,
        "contacts_20250401.csv",
        [
            contact("C1", "Ada", channel="Phone", call_id="CL1", customer_phone="07700 900111"),
            contact("C2", "Bert", channel="Phone", call_id="CL2", customer_phone="07700 900222"),
            contact("C3", "Cleo", customer_phone=cleo_phone),
        ],
    )
    deliver_calls(
        home,
        "cdr_20250401.jsonl",
        [
            call("CL1", "+447700900111"),
            call("CL2", "+447700900222"),
            call("CL3", "+44 7700 900222"),
            call("CL9", "+447700900222", direction="sideways"),
        ],
    )


def test_erasure_takes_every_call_from_the_persons_own_number_and_subject_access_returns_them(tmp_path):
    calls_world(tmp_path, cleo_phone="01865 792422")
    archived = Layout(tmp_path).archive / CDR.feed_path / "cdr_20250401.jsonl"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        ingest_feed(con, tmp_path, CDR)
        assert con.execute("select count(*) from ops.quarantined_rows").fetchone()[0] >= 1  # CL9
        found = erasure.subjects.resolve(con, "crm", "C2")
        written = erasure.subjects.write_subject_access(con, tmp_path / "sar")
        returned = json.loads((tmp_path / "sar" / "raw.csc_telephony_cdr.json").read_text())
        assert found.calls == 2 and written["raw.csc_telephony_cdr"] == 2
        assert sorted(r["_record_id"] for r in returned) == ["CL2", "CL3"]
        done = erasure.erase(con, tmp_path, SALT, "crm", "C2")
        calls = con.execute("select call_id from raw.csc_telephony_cdr order by 1").fetchall()
        refused = con.execute("select count(*) from ops.quarantined_rows").fetchone()[0]
        erased = con.execute(
            "select count(*) from ops.erasure_register where source_system = 'telephony'"
        ).fetchone()[0]
        assert register.out_of_balance(con, CDR.table) == []
    assert done.subject.calls == 2 and done.rows["raw.csc_telephony_cdr"] == 2
    assert calls == [("CL1",)] and refused == 0 and erased == 2
    text = archived.read_text()
    assert "CL1" in text and "900222" not in text.replace(" ", "")
    # A re-delivery of the call from their number is withheld as the file loads.
    deliver_calls(tmp_path, "cdr_20250402.jsonl", [call("CL3", "+447700900222")])
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CDR, salt=SALT)
        assert con.execute("select count(*) from raw.csc_telephony_cdr").fetchone()[0] == 1


def test_a_number_another_person_holds_claims_no_call(tmp_path):
    calls_world(tmp_path, cleo_phone="+44 (0)7700-900222".replace("(0)", ""))  # the family's phone
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        ingest_feed(con, tmp_path, CDR)
        assert erasure.subjects.resolve(con, "crm", "C2").calls == 1  # CL2, named by their contact
        erasure.erase(con, tmp_path, SALT, "crm", "C2")
        calls = con.execute("select call_id from raw.csc_telephony_cdr order by 1").fetchall()
    assert calls == [("CL1",), ("CL3",)]
    text = (Layout(tmp_path).archive / CDR.feed_path / "cdr_20250401.jsonl").read_text()
    assert '"CL3"' in text and '"CL9"' in text and '"CL2"' not in text


def test_a_damaged_register_copy_stops_the_load_with_what_to_do(tmp_path):
    deliver(tmp_path, "contacts_20250401.csv", [contact("C1", "Ada")])
    layout = Layout(tmp_path)
    with duckdb.connect(str(layout.warehouse)) as con:
        redaction.register_erased(con, SALT, "erasure", None, {"crm": {"C9"}})
        redaction.save_register(con, layout)
        layout.erasure_register.write_bytes(layout.erasure_register.read_bytes()[:40])  # truncated
        with pytest.raises(redaction.ErasureError, match="restore it from the backup"):
            ingest_feed(con, tmp_path, CONTACTS, salt=SALT)
        assert con.execute("select count(*) from raw.csc_crm_contacts").fetchone() == (0,)
        layout.erasure_register.unlink()  # the warehouse's register is complete: written again
        ingest_feed(con, tmp_path, CONTACTS, salt=SALT)
    assert layout.erasure_register.exists()


def test_every_person_feed_names_columns_its_feed_has_and_the_lists_derived_from_them_agree():
    """The person feeds are declared once (redaction.PERSON_FEEDS); subject access's tables and
    retention's dated records are read from them, so a column named wrongly fails here."""
    from identity import retention, subjects

    for feed in redaction.PERSON_FEEDS:
        names = {c.name for c in feed.spec.columns}
        assert {feed.key, *feed.blank, *([feed.dated_by] if feed.dated_by else [])} <= names, feed
    assert set(subjects.RAW_RECORDS) == set(subjects.SYSTEMS)
    assert set(retention.RECORD_DATES) == {"crm", "eforms", subjects.TELEPHONY}
    assert retention.RECORD_DATES["crm"] == ("csc_crm_contacts", "contact_id", "created_at")


def test_subject_access_and_retention_name_no_person_feed_table_but_through_its_owner():
    """Subject access and retention take every person feed's table from redaction.PERSON_FEEDS: no
    string in their code names one (a renamed feed table would otherwise be missed silently)."""
    import ast

    from identity import retention, subjects

    tables = {feed.spec.table for feed in redaction.PERSON_FEEDS}
    pattern = re.compile(r"\b(" + "|".join(sorted(tables)) + r")\b")
    for module in (subjects, retention, erasure):
        tree = ast.parse(Path(module.__file__).read_text())
        literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is str]
        named = sorted({m for text in literals for m in pattern.findall(text)})
        # A care payment row's source system is labelled with its table's name (a label, not a read).
        allowed = ([], ["care_payments"]) if module is subjects else ([],)
        assert named in allowed, (module.__name__, named)
    assert (CDR.table, "call_id") == subjects.TELEPHONY_RECORDS
    assert (CARE_PAYMENTS.table, "client_ref") == subjects.CARE_RECORDS
    assert CONTACTS.table == subjects.CRM_CONTACTS


def test_subject_access_returns_the_persons_refused_lines_and_erase_removes_exactly_those(tmp_path):
    """Bert's refused call (CL9, from his number) and a refused contact of his (C7, his email, a channel
    the CRM does not have) are held only in the delivered copies: subject access lists them with the
    copies' lines of his loaded records, and erasure then removes exactly the lines listed."""
    calls_world(tmp_path, cleo_phone="01865 792422")
    refused = contact("C7", "Bert", channel="Pigeon")
    deliver(tmp_path, "contacts_20250402.csv", [contact("C4", "Ada"), refused], 1_700_000_100)
    home = Layout(tmp_path)
    with duckdb.connect(str(home.warehouse)) as con:
        ingest_feed(con, tmp_path, CONTACTS)
        ingest_feed(con, tmp_path, CDR)
        _, counts = erasure.subjects.subject_access(con, SALT, tmp_path / "sar", tmp_path, "crm", "C2")
        listed = json.loads((tmp_path / "sar" / "delivered_lines.json").read_text())
        with (tmp_path / "sar" / "delivered_lines.csv").open(newline="") as f:
            assert [r["file"] for r in csv.DictReader(f)] == [r["file"] for r in listed]
        copies = {r["file"]: (tmp_path / r["file"]).read_bytes().splitlines() for r in listed}
        done = erasure.erase(con, tmp_path, SALT, "crm", "C2")
    assert counts["delivered_lines"] == len(listed)
    refused_lines = {(r["feed"], r["_record_id"]) for r in listed if not r["record_loaded"]}
    assert refused_lines == {(CDR.table, "CL9"), (CONTACTS.table, "C7")}
    loaded_lines = {(r["feed"], r["_record_id"]) for r in listed if r["record_loaded"]}
    assert loaded_lines == {(CONTACTS.table, "C2"), (CDR.table, "CL2"), (CDR.table, "CL3")}
    for r in listed:
        assert r["erasure"] == "removed" and copies[r["file"]][r["line"] - 1].decode() == r["text"]
        assert r["header"] == (HEADER if r["feed"] == CONTACTS.table else None)
    # The set erasure removed is the set listed: every listed line is gone, and nothing else went.
    assert done.lines_removed == len(listed) and done.files_rewritten == len(copies)
    for file, before in copies.items():
        after = (tmp_path / file).read_bytes().splitlines()
        gone = {r["line"] for r in listed if r["file"] == file}
        assert after == [line for n, line in enumerate(before, start=1) if n not in gone]


def test_a_copy_is_read_line_by_line_only_when_it_holds_a_value_however_a_number_is_spaced():
    """The sweep asks a whole copy first (a file holds a value if one of its lines does): a number
    written with spaces, brackets, hyphens or a no-break space is still found."""
    sweep = redaction.Sweep(frozenset({"07700900222", "bert@example.org"}), lambda system, key: False)
    lines = [
        b'"C1","Ada","(07700) 900-111"\n',
        b'"C9","BERT@Example.org",""\n',
        '"07700\u00a0900 222"\n'.encode(),
    ]
    assert not sweep.holds(lines[0]) and sweep.holds(lines[1]) and sweep.holds(lines[2])
    assert sweep.holds(b"".join(lines)) and not sweep.holds(lines[0] * 3)
    assert not redaction.Sweep(frozenset(), lambda system, key: False).holds(b"".join(lines))


BERT = redaction.Sweep(frozenset({"bert@example.org", "07700900222"}), lambda system, key: False)
BERTS = ("bert@example.org", "07700 900222", "C7")


def quarantined(home: Path, name: str, data: bytes) -> Path:
    path = Layout(home).quarantine / CONTACTS.feed_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def contacts_text() -> str:
    """Ada's loaded contact and Bert's refused one (his email and phone, a channel the CRM lacks)."""
    bert = contact("C7", "Bert", channel="Pigeon", customer_phone="07700 900222")
    return "\r\n".join([HEADER, contact("C1", "Ada"), bert]) + "\r\n"


def holds_any(data: bytes, values: tuple[str, ...]) -> bool:
    """Whether `data` holds one of `values` in any encoding a delivery can be in."""
    return any(v.encode(codec) in data for v in values for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def test_a_misnamed_copy_in_a_feed_folder_is_searched_listed_and_redacted(tmp_path):
    """A file a source dropped under another name is quarantined as `unknown_file` in the feed's folder
    (superseded versions too): its lines of the person are listed and removed like any copy's."""
    layout = Layout(tmp_path)
    misnamed = quarantined(tmp_path, "Contacts export 31-05-2025.csv", contacts_text().encode())
    older = quarantined(tmp_path, "superseded/v1-abc/Contacts export.csv", contacts_text().encode())
    held = redaction.held_lines(layout, {}, BERT)
    assert {(h.path, h.number, h.key, h.header) for h in held} == {
        (misnamed, 3, "C7", HEADER),
        (older, 3, "C7", HEADER),
    }
    done = redaction.redact_copies(layout, {"crm": {"C1"}}, sweep=BERT)  # Ada's by id, Bert's by value
    assert {(d.path, d.lines_removed) for d in done} == {(misnamed, (2, 3)), (older, (2, 3))}
    redaction.apply(done)
    for path in (misnamed, older):
        assert path.read_bytes() == (HEADER + "\r\n").encode() and not holds_any(path.read_bytes(), BERTS)


@pytest.mark.parametrize(
    ("codec", "bom"),
    [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b"")],
)
def test_a_utf16_copy_is_searched_listed_and_rewritten_in_its_own_encoding(tmp_path, codec, bom):
    layout = Layout(tmp_path)
    path = quarantined(tmp_path, "contacts_20250403.csv", bom + contacts_text().encode(codec))
    (held,) = redaction.held_lines(layout, {}, BERT)
    assert (held.path, held.number, held.key, held.header) == (path, 3, "C7", HEADER)
    assert held.text == contacts_text().split("\r\n")[2]
    (done,) = redaction.redact_copies(layout, {}, sweep=BERT)
    redaction.apply([done])
    after = path.read_bytes()
    assert after == bom + "\r\n".join([HEADER, contact("C1", "Ada"), ""]).encode(codec)
    assert not holds_any(after, BERTS) and done.new_sha256 == hashlib.sha256(after).hexdigest()


def test_a_copy_that_is_not_text_and_holds_a_value_is_emptied_whole(tmp_path):
    """Lines cannot be delimited in a binary file: if it holds the person's value or id, all of it goes
    (recorded as one line removed); one holding nothing of theirs is left alone."""
    layout = Layout(tmp_path)
    theirs = quarantined(tmp_path, "contacts.xls", b"\xd0\xcf\x00\x00\x01bert@example.org\x00\x00\x07\x00")
    other = quarantined(tmp_path, "notes.bin", b"\xd0\xcf\x00\x00\x01ada@example.org\x00\x00\x07\x00")
    assert [(h.path, h.number) for h in redaction.held_lines(layout, {}, BERT)] == [(theirs, 1)]
    (done,) = redaction.redact_copies(layout, {}, sweep=BERT)
    redaction.apply([done])
    assert (done.path, done.lines_removed, theirs.read_bytes()) == (theirs, (1,), b"")
    assert b"ada@example.org" in other.read_bytes()


def test_reports_and_pending_rewrites_are_not_copies_and_an_undated_copy_is_not_emptied_by_date(tmp_path):
    layout = Layout(tmp_path)
    quarantined(tmp_path, "Contacts export.csv", contacts_text().encode())
    quarantined(tmp_path, "Contacts export.csv.rejection.json", b'{"value": "bert@example.org"}')
    quarantined(tmp_path, ".contacts_20250401.csv.redacting", contacts_text().encode())
    names = [h.path.name for h in redaction.held_lines(layout, {}, BERT)]
    assert names == ["Contacts export.csv"]
    # Retention empties copies dated before its day: a copy whose name carries no date is not one.
    assert redaction.lines_to_rewrite(layout, {}, {"crm": date(2026, 1, 1)}) == []
