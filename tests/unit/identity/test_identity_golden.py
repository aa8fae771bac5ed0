"""Survivorship of the golden record, field by field."""

from datetime import date, datetime

from identity_raw import add_rows

from identity import golden, keys, records


def _golden(con) -> dict:
    records.build(con)
    con.execute(
        "create temp table clusters as "
        "select unique_id, 'one' as cluster_id, null::double as match_probability from identity_records"
    )
    keys.assign(con, "clusters", "salt")
    golden.build(con)
    rel = con.sql("select * from resolved_golden")
    (row,) = rel.fetchall()
    return dict(zip(rel.columns, row, strict=True))


def test_survivorship_picks_formal_frequent_registered_and_latest_values(raw_con):
    add_rows(
        raw_con,
        "person_index_libraries",
        "libraries_20250401.csv",
        [
            {
                "source_person_id": "L1",
                "first_name": "Robert",
                "last_name": "Smith",
                "dob": date(1950, 3, 7),
                "address_line1": "1 High Street",
                "postcode": "OX4 1AB",
                "uprn": "100120000001",
            },
        ],
    )
    add_rows(
        raw_con,
        "csc_crm_contacts",
        "contacts_20250501.csv",
        [
            {
                "contact_id": "C1",
                "created_at": datetime(2025, 4, 2, 9),
                "customer_first_name": "Bob",
                "customer_last_name": "Smith",
                "customer_dob": date(1950, 7, 3),
                "postcode": "OX4 1AB",
            },
            {
                "contact_id": "C2",
                "created_at": datetime(2025, 5, 1, 9),
                "customer_first_name": "Bob",
                "customer_last_name": "Smith",
                "postcode": "ox2 6gg",
                "customer_email": "bob@example.com",
            },
            {
                "contact_id": "C3",
                "created_at": datetime(2025, 4, 20, 9),
                "customer_first_name": "Bob",
                "customer_last_name": "Smyth",
                "address_line1": "1 High St",
                "postcode": "OX4 1AB",
            },
        ],
    )
    g = _golden(raw_con)
    assert (g["first_name"], g["last_name"]) == ("Robert", "Smith")  # Bob is Robert's nickname
    assert g["date_of_birth"] == date(1950, 3, 7)  # one each: the person index wins the tie
    assert (g["postcode"], g["address_line1"], g["uprn"]) == ("OX2 6GG", None, None)  # moved: latest
    assert (g["email"], g["records"], g["source_systems"]) == ("bob@example.com", 4, ["crm", "libraries"])
    assert (g["first_seen_at"], g["last_seen_at"]) == (datetime(2025, 4, 1), datetime(2025, 5, 1, 9))


def test_address_line_comes_from_the_latest_record_at_the_chosen_postcode(raw_con):
    add_rows(
        raw_con,
        "csc_crm_contacts",
        "contacts_20250501.csv",
        [
            {
                "contact_id": "C1",
                "created_at": datetime(2025, 4, 2),
                "customer_last_name": "Lee",
                "address_line1": "2 Mill Lane",
                "postcode": "OX4 1AB",
                "uprn": "7",
            },
            {
                "contact_id": "C2",
                "created_at": datetime(2025, 4, 9),
                "customer_last_name": "Lee",
                "postcode": "OX4 1AB",
            },
        ],
    )
    g = _golden(raw_con)
    assert (g["postcode"], g["address_line1"], g["uprn"]) == ("OX4 1AB", "2 Mill Lane", "7")
