"""Subject access against the simulator's truth, and the governance log it writes.

A small world with its person feeds and telephony loaded and resolved: for residents the truth
places in three or more source systems, subject access returns every source record the truth
links to them, each row naming its source system and record id, and their calls; the request is
in ops.governance_log as a keyed hash with counts, naming no one.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from identity_world import SALT

from identity import governance, resolution, subjects
from identity.governance import GovernanceError
from identity.records import PERSON_INDEX_SYSTEMS
from ingestion import csc_telephony
from ingestion.landing import ingest_feed


@pytest.fixture(scope="module")
def resolved(small_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world (person feeds loaded) with telephony loaded and identity resolved."""
    home = tmp_path_factory.mktemp("subject-access")
    shutil.copytree(small_world, home, dirs_exist_ok=True)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ingest_feed(con, home, csc_telephony.CDR)
        resolution.run(con, home, SALT)
    return home


def truth_people(home: Path) -> dict[str, set[tuple[str, str]]]:
    people: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with (home / "simulator_truth" / "persons.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            people[row["person_id"]].add((row["source_system"], row["source_record_id"]))
    return people


def resolved_together(con: duckdb.DuckDBPyConnection, records: set[tuple[str, str]]) -> bool:
    """Identity resolution put all of the records in one customer (its accuracy is tested elsewhere)."""
    keys = con.execute(
        "select count(distinct customer_key), count(*) from restricted.customer_xref "
        "where source_system || ':' || source_record_id in (select unnest(?::varchar[]))",
        [[f"{s}:{r}" for s, r in records]],
    ).fetchone()
    return keys == (1, len(records))


def returned_records(out: Path) -> set[tuple[str, str]]:
    found = set()
    for path in out.glob("*.json"):
        for row in json.loads(path.read_text()):
            found.add((row["_source_system"], row["_record_id"]))
    return found


def test_subject_access_returns_every_record_the_truth_links_to_the_person(resolved, tmp_path):
    people = truth_people(resolved)
    with duckdb.connect(str(resolved / "warehouse.duckdb")) as con:
        many = [
            (pid, recs)
            for pid, recs in sorted(people.items())
            if len({s for s, _ in recs}) >= 3 and resolved_together(con, recs)
        ]
        assert len(many) >= 3, "the world has residents in three or more systems, resolved as one"
        for n, (_, records) in enumerate(many[:5]):
            system, record_id = sorted(records)[0]
            out = tmp_path / f"sar-{n}"
            subject, counts = subjects.subject_access(
                con, SALT, out, resolved, system=system, record_id=record_id
            )
            assert subject.records == len(records)
            assert records <= returned_records(out)
            # JSON and CSV of the same tables, the raw source rows among them
            assert {p.stem for p in out.glob("*.json")} == {p.stem for p in out.glob("*.csv")}
            assert {"raw.csc_crm_contacts", "restricted.customer_xref", "restricted.customer_golden"} & set(
                counts
            )
            assert (out.stat().st_mode & 0o777) == 0o700
            assert all((p.stat().st_mode & 0o777) == 0o600 for p in out.iterdir())
        per_action, latest = governance.summary(con)
    assert per_action["subject_access"] >= min(len(many), 5)
    _, user, action, subject_hash, counts, details = latest[0]
    assert action == "subject_access" and user and len(subject_hash) == 64
    assert subject_hash == governance.subject_hash(SALT, f"{system}:{record_id}")
    assert record_id not in counts + details and record_id not in subject_hash


def test_a_persons_calls_come_with_their_phone_contacts(resolved, tmp_path):
    with duckdb.connect(str(resolved / "warehouse.duckdb")) as con:
        contact_id, call_id = con.execute(
            "select contact_id, call_id from raw.csc_crm_contacts c join restricted.customer_xref x "
            "on x.source_system = 'crm' and x.source_record_id = c.contact_id "
            "where call_id in (select call_id from raw.csc_telephony_cdr) order by contact_id limit 1"
        ).fetchone()
        subject, counts = subjects.subject_access(
            con, SALT, tmp_path / "sar", resolved, system="crm", record_id=contact_id
        )
    assert subject.calls >= 1 and "telephony" in subject.systems
    calls = json.loads((tmp_path / "sar" / "raw.csc_telephony_cdr.json").read_text())
    assert ("telephony", call_id) in {(r["_source_system"], r["_record_id"]) for r in calls}


def test_a_persons_calls_from_their_own_number_come_though_no_contact_names_them(resolved, tmp_path):
    """The simulator's residents also call without a CRM contact recorded (abandoned, extra and
    outbound calls) from their own phone, written +44 where their contact wrote 07..."""
    digits = "right(regexp_replace({}, '[^0-9]', '', 'g'), 10)"
    indexes = " union all ".join(
        f"select '{system}' as system, source_person_id, phone from raw.person_index_{system}"
        for system in PERSON_INDEX_SYSTEMS
    )
    with duckdb.connect(str(resolved / "warehouse.duckdb")) as con:
        found = con.execute(
            f"""with phones as (
                    select {digits.format("customer_phone")} as number, x.customer_key, c.contact_id
                    from raw.csc_crm_contacts c join restricted.customer_xref x
                      on x.source_system = 'crm' and x.source_record_id = c.contact_id
                    where length({digits.format("customer_phone")}) = 10),
                everyone as (
                    select number, customer_key from phones
                    union all select {digits.format("phone")}, coalesce(x.customer_key, i.source_person_id)
                    from ({indexes}) i left join restricted.customer_xref x
                      on x.source_system = i.system and x.source_record_id = i.source_person_id),
                own as (select number from everyone group by number having count(distinct customer_key) = 1)
                select min(p.contact_id), list(distinct t.call_id order by t.call_id)
                from raw.csc_telephony_cdr t join phones p on p.number = {digits.format("t.caller_number")}
                where p.number in (select number from own)
                  and t.call_id not in (select call_id from raw.csc_crm_contacts where call_id is not null)
                group by p.number order by p.number limit 1"""
        ).fetchone()
        assert found, "the world has a call from a resident's own number that no contact names"
        contact_id, unnamed = found
        subjects.subject_access(con, SALT, tmp_path / "sar", resolved, system="crm", record_id=contact_id)
    calls = json.loads((tmp_path / "sar" / "raw.csc_telephony_cdr.json").read_text())
    assert set(unnamed) <= {r["_record_id"] for r in calls}


def test_by_customer_key_is_the_same_person(resolved, tmp_path):
    with duckdb.connect(str(resolved / "warehouse.duckdb")) as con:
        key, system, record_id = con.execute(
            "select customer_key, source_system, source_record_id from restricted.customer_xref "
            "order by customer_key limit 1"
        ).fetchone()
        subjects.subject_access(
            con, SALT, tmp_path / "by-record", resolved, system=system, record_id=record_id
        )
        subjects.subject_access(con, SALT, tmp_path / "by-key", resolved, customer_key=key)
    assert returned_records(tmp_path / "by-record") == returned_records(tmp_path / "by-key")


def test_an_unknown_record_or_system_is_refused_without_echoing_it(resolved, tmp_path):
    with duckdb.connect(str(resolved / "warehouse.duckdb")) as con:
        served = governance.summary(con)[0]["subject_access"]
        with pytest.raises(GovernanceError, match="nothing is held under that crm record id") as error:
            subjects.subject_access(
                con, SALT, tmp_path / "none", resolved, system="crm", record_id="NO-SUCH-9f1"
            )
        assert "NO-SUCH-9f1" not in str(error.value)
        with pytest.raises(GovernanceError, match="unknown source system"):
            subjects.resolve(con, "payroll", "1")
        with pytest.raises(GovernanceError, match="either a source record"):
            subjects.resolve(con)
        assert governance.summary(con)[0]["subject_access"] == served  # nothing served, nothing logged
    assert not (tmp_path / "none").exists()


def test_holdings_name_each_row_by_the_columns_that_identify_a_person():
    crm = subjects.holding("raw", "csc_crm_contacts", ["contact_id", "call_id", "customer_email"])
    assert crm is not None and (crm.source_system, crm.record_id) == ("'crm'", "contact_id")
    assert "subject_calls" not in crm.condition  # the contact is found by its own id
    calls = subjects.holding("raw", "csc_telephony_cdr", ["call_id", "caller_number"])
    assert calls is not None and "subject_calls" in calls.condition and calls.source_system == "'telephony'"
    index = subjects.holding("raw", "person_index_blue_badge", ["source_person_id", "first_name"])
    assert index is not None and index.source_system == "'blue_badge'"
    golden = subjects.holding("restricted", "customer_golden", ["customer_key", "first_name"])
    assert golden is not None and golden.source_system == "'insight_hub'"
    assert subjects.holding("bi", "kpi_csc_monthly", ["month", "contacts"]) is None
    assert subjects.holding("ops", "governance_log", ["subject_hash"]) is None


def test_the_log_refuses_an_unknown_action():
    with duckdb.connect() as con, pytest.raises(GovernanceError, match="unknown governance action"):
        governance.record(con, "export", None, {}, {})
