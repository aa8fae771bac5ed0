"""Erased records: delivered copies rewritten without their lines, the register kept in step, and a
re-delivery loaded without them (`suppressed_by_erasure`), the archived copy rewritten too."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest

from ingestion import redaction, register
from ingestion.csc_crm import CONTACTS
from ingestion.landing import ingest_feed
from ingestion.layout import Layout
from ingestion.web_forms import EFORMS

SALT = "redaction-test-salt"
HEADER = ",".join(c.name for c in CONTACTS.columns)


def contact(contact_id: str, name: str) -> str:
    values = {c.name: "" for c in CONTACTS.columns}
    values.update(
        contact_id=contact_id,
        created_at="2025-04-01 10:00:00",
        channel="Email",
        service="Libraries",
        customer_first_name=name,
        customer_last_name="Quorndon",
        customer_email=f"{name.lower()}@example.org",
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
