"""Standardisation macros: the same fact written two ways compares equal, junk becomes NULL."""

from datetime import date

import duckdb
import pytest

from identity import standardise


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    standardise.register(con)
    yield con
    con.close()


@pytest.mark.parametrize(
    ("macro", "value", "expected"),
    [
        ("id_name", " O'Brien ", "obrien"),
        ("id_name", "Zoë", "zoe"),
        ("id_name", "MacKenzie-Smith", "mackenziesmith"),
        ("id_name", "   ", None),
        ("id_display", "  Mary   Ann ", "Mary Ann"),
        ("id_postcode", "ox41ab", "OX4 1AB"),
        ("id_postcode", " OX10 9UH", "OX10 9UH"),
        ("id_postcode", "ec2a1ab", "EC2A 1AB"),
        ("id_postcode", "not a postcode", None),
        ("id_uprn", "0100120000001", "100120000001"),
        ("id_uprn", "12a", None),
        ("id_uprn", "1234567890123", None),
        ("id_email", " John.Smith@Example.COM ", "john.smith@example.com"),
        ("id_email", "no-at-sign", None),
        ("id_phone", "+447700900123", "07700900123"),
        ("id_phone", "0044 7700 900123", "07700900123"),
        ("id_phone", "07700 900123", "07700900123"),
        ("id_phone", "7700900123", "07700900123"),
        ("id_phone", "12345", None),
        ("id_nhs_number", "485 777 3456", "4857773456"),
        ("id_nhs_number", "485-777-345", None),
        ("id_address", "12, High St.", "12 high st"),
    ],
)
def test_macro_standardises(con, macro, value, expected):
    assert con.execute(f"select {macro}(?)", [value]).fetchall()[0][0] == expected


def test_postcode_parts(con):
    assert con.execute(
        "select id_postcode_district('OX4 1AB'), id_postcode_sector('OX4 1AB')"
    ).fetchall() == [("OX4", "OX4 1")]


@pytest.mark.parametrize(
    ("dob", "kept"), [(date(1950, 2, 1), True), (date(1899, 12, 31), False), (date(2999, 1, 1), False)]
)
def test_implausible_dates_of_birth_are_dropped(con, dob, kept):
    assert (con.execute("select id_dob(?)", [dob]).fetchall()[0][0] is not None) == kept


def test_a_nickname_stands_for_each_of_its_formal_names(con):
    forms = dict(con.execute("select name, forms from identity_name_forms").fetchall())
    assert {"bob", "robert"} <= set(forms["bob"])
    assert {"sam", "samantha", "samuel"} <= set(forms["sam"])
    key = dict(con.execute("select name, first_name_key from identity_name_forms").fetchall())
    assert key["bob"] == "robert"  # the shipped table's formal name, not the dataset's "bert"
    assert key["robert"] == "robert"  # a shipped formal name keys itself (the dataset: "bob")


@pytest.mark.parametrize(
    ("nickname", "formal"),
    [("peggy", "margaret"), ("dot", "dorothy"), ("jackie", "jacqueline"), ("ray", "raymond")],
)
def test_nicknames_the_shipped_table_lacks_come_from_the_published_dataset(con, nickname, formal):
    """The simulated residents missed most at county scale went by these (docs/identity.md)."""
    assert not any(n == nickname for n, _, shipped in standardise.nicknames() if shipped)
    forms = dict(con.execute("select name, forms from identity_name_forms").fetchall())
    assert formal in forms[nickname]


def test_the_nickname_table_is_standardised_and_has_no_duplicates():
    pairs = standardise.nicknames()
    assert len(pairs) == len(set(pairs)) > 100
    assert all(n.isalpha() and n.islower() and f.isalpha() and f.islower() for n, f, _ in pairs)
    assert sum(shipped for _, _, shipped in pairs) > 100 < sum(not shipped for _, _, shipped in pairs)
