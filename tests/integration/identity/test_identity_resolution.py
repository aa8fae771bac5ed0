"""Identity resolution on a small simulated world: accuracy, stable keys, twins and married names."""

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from identity_world import SALT

from identity import evaluation, linkage, resolution

pytestmark = pytest.mark.slow  # each test resolves a simulated world (about 10 s)


def _run(home: Path) -> resolution.RunSummary:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        return resolution.run(con, home, SALT)


def _query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_resolution_meets_the_accuracy_targets_and_writes_the_restricted_tables(world: Path):
    summary = _run(world)
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        metrics = evaluation.evaluate(con, world / "simulator_truth" / "persons.csv")
    assert metrics["pairwise_precision"] >= 0.98
    assert metrics["pairwise_recall"] >= 0.95
    assert summary.records == metrics["records_resolved"] > 2000
    assert all(passed for passed, _ in resolution.checks(summary).values())
    systems = dict(_query(world, "select source_system, count(*) from restricted.customer_xref group by 1"))
    assert set(systems) == {
        "crm",
        "eforms",
        "adult_social_care",
        "blue_badge",
        "libraries",
        "school_admissions",
    }
    assert _query(
        world,
        "select count(*) = count(distinct (source_system, source_record_id)), count(distinct customer_key) "
        "from restricted.customer_xref",
    ) == [(True, summary.customers)]
    assert _query(world, "select count(*), count(distinct customer_key) from restricted.customer_golden") == [
        (summary.customers, summary.customers)
    ]
    (model_row,) = _query(
        world, "select threshold, records, model_json::varchar from restricted.identity_model"
    )
    assert model_row[:2] == (linkage.THRESHOLD, summary.records)
    assert (world / "identity" / "model.json").read_text().strip().startswith("{")
    assert '"m_probability"' in model_row[2]


def test_rerunning_on_unchanged_inputs_gives_identical_keys(world: Path):
    _run(world)
    first = _query(world, "select * from restricted.customer_xref order by all")
    again = _run(world)
    assert _query(world, "select * from restricted.customer_xref order by all") == first
    assert (again.records_carried_over, again.keys_changed) == (len(first), 0)
    assert _query(world, "select count(*) from restricted.customer_key_changes") == [(0,)]


def _latest_file(con: duckdb.DuckDBPyConnection, table: str) -> str:
    return con.execute(f"select max(_source_file) from raw.{table}").fetchall()[0][0]


def _insert(con: duckdb.DuckDBPyConnection, table: str, source_file: str, row: dict) -> None:
    values = {**row, "_source_file": source_file, "_row_number": 1_000_000}
    columns = ", ".join(values)
    con.execute(
        f"insert into raw.{table} ({columns}) values ({', '.join('?' * len(values))})", list(values.values())
    )


def test_twins_stay_apart_and_a_married_name_change_is_merged(world: Path):
    twins = {
        "dob": date(2015, 6, 14),
        "address_line1": "7 Wren Close",
        "postcode": "OX4 9ZZ",
        "uprn": "100129999991",
    }
    home = {"address_line1": "3 Rook Lane", "postcode": "OX2 9ZZ", "uprn": "100129999992"}
    with duckdb.connect(str(world / "warehouse.duckdb")) as con:
        school, libraries = (
            _latest_file(con, "person_index_school_admissions"),
            _latest_file(con, "person_index_libraries"),
        )
        asc = _latest_file(con, "person_index_adult_social_care")
        _insert(
            con,
            "person_index_school_admissions",
            school,
            {
                "source_person_id": "SA-TWIN-A",
                "first_name": "Amelie",
                "last_name": "Quenby",
                "gender": "F",
                "phone": "07700900001",
                **twins,
            },
        )
        _insert(
            con,
            "person_index_libraries",
            libraries,
            {
                "source_person_id": "LIB-TWIN-B",
                "first_name": "Florence",
                "last_name": "Quenby",
                "gender": "F",
                "phone": "07700900002",
                **twins,
            },
        )
        for contact_id, first_name in (("CRM-TWIN-A", "Amelie"), ("CRM-TWIN-B", "Florence")):
            _insert(
                con,
                "csc_crm_contacts",
                "contacts_20250520.csv",
                {
                    "contact_id": contact_id,
                    "created_at": datetime(2025, 5, 20, 10),
                    "channel": "Phone",
                    "service": "Libraries",
                    "customer_first_name": first_name,
                    "customer_last_name": "Quenby",
                    "customer_dob": twins["dob"],
                    "postcode": twins["postcode"],
                    "uprn": twins["uprn"],
                },
            )
        # Married in May: the library knows her maiden name, CRM and adult social care her married name.
        _insert(
            con,
            "person_index_libraries",
            libraries,
            {
                "source_person_id": "LIB-MAIDEN",
                "first_name": "Harriet",
                "last_name": "Penhaligon",
                "dob": date(1988, 9, 21),
                **home,
            },
        )
        _insert(
            con,
            "csc_crm_contacts",
            "contacts_20250521.csv",
            {
                "contact_id": "CRM-MARRIED",
                "created_at": datetime(2025, 5, 21, 11),
                "channel": "Face to face",
                "service": "Adult Social Care",
                "customer_first_name": "Harriet",
                "customer_last_name": "Vexley",
                "customer_dob": date(1988, 9, 21),
                **home,
            },
        )
        _insert(
            con,
            "person_index_adult_social_care",
            asc,
            {
                "source_person_id": "ASC-MARRIED",
                "first_name": "Harriet",
                "last_name": "Vexley",
                "dob": date(1988, 9, 21),
                **home,
            },
        )
    _run(world)
    keys = dict(
        _query(
            world,
            "select source_record_id, customer_key from restricted.customer_xref "
            "where source_record_id in ('SA-TWIN-A', 'LIB-TWIN-B', 'CRM-TWIN-A', 'CRM-TWIN-B', 'LIB-MAIDEN', "
            "'CRM-MARRIED', 'ASC-MARRIED')",
        )
    )
    assert keys["SA-TWIN-A"] == keys["CRM-TWIN-A"] != keys["LIB-TWIN-B"] == keys["CRM-TWIN-B"]
    assert keys["LIB-MAIDEN"] == keys["CRM-MARRIED"] == keys["ASC-MARRIED"]


def test_a_mover_a_phone_changer_and_a_child_with_a_parents_contacts(world: Path):
    """A resident who moved (and changed number) and one who only changed number are each merged;
    a child recorded with a parent's email and phone stays apart from the parent."""
    old_home = {"address_line1": "12 Kite Row", "postcode": "OX3 9ZZ", "uprn": "100129999981"}
    new_home = {"address_line1": "4 Heron Way", "postcode": "OX14 9ZZ", "uprn": "100129999982"}
    parent = {"email": "d.ashcombe@example.com", "phone": "07700900111", **old_home}
    with duckdb.connect(str(world / "warehouse.duckdb")) as con:
        libraries = _latest_file(con, "person_index_libraries")
        school = _latest_file(con, "person_index_school_admissions")
        blue_badge = _latest_file(con, "person_index_blue_badge")
        # the library registered Dorian at his old address and number; he calls from his new home
        _insert(
            con,
            "person_index_libraries",
            libraries,
            {"source_person_id": "LIB-MOVER", "first_name": "Dorian", "last_name": "Ashcombe",
             "dob": date(1979, 3, 28), **parent},
        )  # fmt: skip
        _insert(
            con,
            "csc_crm_contacts",
            "contacts_20250522.csv",
            {"contact_id": "CRM-MOVER", "created_at": datetime(2025, 5, 22, 9), "channel": "Phone",
             "service": "Libraries", "customer_first_name": "Dorian", "customer_last_name": "Ashcombe",
             "customer_dob": date(1979, 3, 28), "customer_phone": "07700900112", **new_home},
        )  # fmt: skip
        # his son at school, recorded with his father's email and phone
        _insert(
            con,
            "person_index_school_admissions",
            school,
            {"source_person_id": "SA-CHILD", "first_name": "Felix", "last_name": "Ashcombe",
             "dob": date(2014, 10, 2), **parent},
        )  # fmt: skip
        # Margaret changed her number between her blue badge and her call
        _insert(
            con,
            "person_index_blue_badge",
            blue_badge,
            {"source_person_id": "BB-PHONE", "first_name": "Margaret", "last_name": "Thackeray",
             "dob": date(1941, 7, 9), "phone": "07700900221", "address_line1": "9 Lark Rise",
             "postcode": "OX7 9ZZ", "uprn": "100129999983"},
        )  # fmt: skip
        _insert(
            con,
            "csc_crm_contacts",
            "contacts_20250523.csv",
            {"contact_id": "CRM-PHONE", "created_at": datetime(2025, 5, 23, 14), "channel": "Phone",
             "service": "Blue Badge", "customer_first_name": "Maggie", "customer_last_name": "Thackeray",
             "customer_dob": date(1941, 7, 9), "customer_phone": "07700900222", "postcode": "OX7 9ZZ"},
        )  # fmt: skip
    _run(world)
    keys = dict(
        _query(
            world,
            "select source_record_id, customer_key from restricted.customer_xref "
            "where source_record_id in ('LIB-MOVER', 'CRM-MOVER', 'SA-CHILD', 'BB-PHONE', 'CRM-PHONE')",
        )
    )
    assert keys["LIB-MOVER"] == keys["CRM-MOVER"] != keys["SA-CHILD"]
    assert keys["BB-PHONE"] == keys["CRM-PHONE"]
