"""Person records: one per distinct source record, standardised, dated, anonymous ones left out."""

from datetime import date, datetime

from identity_raw import add_rows

from identity import records


def _records(con) -> dict[str, dict]:
    rel = con.sql("select * from identity_records")
    return {row[0]: dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()}


def test_each_source_becomes_records_of_the_common_shape(raw_con):
    add_rows(
        raw_con,
        "csc_crm_contacts",
        "contacts_20250401.csv",
        [
            {
                "contact_id": "C1",
                "created_at": datetime(2025, 4, 1, 9),
                "customer_first_name": "Bob",
                "customer_last_name": "O'Brien",
                "postcode": "ox4 1ab",
                "customer_phone": "+447700900123",
            },
            {"contact_id": "C2", "created_at": datetime(2025, 4, 1, 10)},  # anonymous call
        ],
    )
    add_rows(
        raw_con,
        "web_eforms",
        "eforms_20250402.jsonl",
        [
            {
                "submission_id": "E1",
                "started_at": datetime(2025, 4, 2, 8),
                "email": "A@B.COM",
                "first_name": "Ann",
                "last_name": "Lee",
                "dob": date(1980, 5, 6),
            },
        ],
    )
    add_rows(
        raw_con,
        "person_index_adult_social_care",
        "adult_social_care_20250401.csv",
        [
            {
                "source_person_id": "ASC1",
                "first_name": "Robert",
                "last_name": "OBrien",
                "nhs_number": "485 777 3456",
                "uprn": "0100120000001",
            },
        ],
    )
    assert records.build(raw_con) == []
    got = _records(raw_con)
    assert sorted(got) == ["adult_social_care:ASC1", "crm:C1", "eforms:E1"]
    crm = got["crm:C1"]
    assert (crm["source_system"], crm["first_name"], crm["first_name_forms"], crm["first_name_key"]) == (
        "crm",
        "bob",
        ["bert", "bob", "bobby", "robert"],  # the shipped table and the published dataset
        "robert",
    )
    assert (crm["last_name"], crm["postcode"], crm["postcode_district"], crm["phone"]) == (
        "obrien",
        "OX4 1AB",
        "OX4",
        "07700900123",
    )
    assert crm["last_name_display"] == "O'Brien"
    assert got["eforms:E1"]["email"] == "a@b.com"
    asc = got["adult_social_care:ASC1"]
    assert (asc["nhs_number"], asc["uprn"], asc["record_date"]) == (
        "4857773456",
        "100120000001",
        datetime(2025, 4, 1),
    )


def test_latest_version_of_a_contact_and_latest_snapshot_of_an_index(raw_con):
    contact = {"contact_id": "C1", "created_at": datetime(2025, 4, 1, 9), "customer_last_name": "Lee"}
    add_rows(raw_con, "csc_crm_contacts", "contacts_20250401.csv", [contact])
    add_rows(
        raw_con, "csc_crm_contacts", "contacts_20250402.csv", [{**contact, "customer_last_name": "Leigh"}]
    )
    add_rows(
        raw_con,
        "person_index_libraries",
        "libraries_20250401.csv",
        [
            {"source_person_id": "L1", "last_name": "Old"},
            {"source_person_id": "L2", "last_name": "Gone"},
        ],
    )
    add_rows(
        raw_con,
        "person_index_libraries",
        "libraries_20250501.csv",
        [
            {"source_person_id": "L1", "last_name": "New"},
            {"source_person_id": "L3", "last_name": "Joined"},
        ],
    )
    records.build(raw_con)
    got = _records(raw_con)
    assert sorted(got) == ["crm:C1", "libraries:L1", "libraries:L3"]
    assert got["crm:C1"]["last_name"] == "leigh"
    assert (got["libraries:L1"]["last_name"], got["libraries:L1"]["record_date"]) == (
        "new",
        datetime(2025, 4, 1),
    )
    assert got["libraries:L3"]["record_date"] == datetime(2025, 5, 1)


def test_missing_raw_tables_are_reported_not_fatal():
    import duckdb

    con = duckdb.connect()
    missing = records.build(con)
    assert "csc_crm_contacts" in missing and len(missing) == 6
    assert con.execute("select count(*) from identity_records").fetchall() == [(0,)]
