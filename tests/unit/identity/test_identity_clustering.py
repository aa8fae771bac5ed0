"""Splitting a cluster that breaks a one-person rule, strongest links first."""

import math
import random
from datetime import date

import duckdb

from identity.clustering import Facts, dob_key, drop_ambiguous_twin_links, split


def test_a_swapped_date_of_birth_is_the_same_date():
    assert dob_key(date(1990, 3, 7)) == dob_key(date(1990, 7, 3)) != dob_key(date(1990, 3, 8))


def test_a_record_that_bridges_mother_and_daughter_goes_with_the_stronger_link():
    mother = Facts("blue_badge:B1", date(1944, 11, 7), None, "blue_badge")
    daughter = Facts("school_admissions:S1", date(2010, 2, 4), None, "school_admissions")
    bridge = Facts("eforms:E1", None, None, None)  # same name and address, no date of birth
    links = [(38.0, "blue_badge:B1", "eforms:E1"), (25.0, "eforms:E1", "school_admissions:S1")]
    parts = split([mother, daughter, bridge], links)
    assert parts["eforms:E1"] == parts["blue_badge:B1"] != parts["school_admissions:S1"]


def test_two_records_of_one_person_index_or_two_nhs_numbers_never_join():
    a = Facts("libraries:L1", None, None, "libraries")
    b = Facts("libraries:L2", None, None, "libraries")
    c = Facts("adult_social_care:A1", None, "4857773456", "adult_social_care")
    d = Facts("crm:C1", None, "9434765919", None)
    parts = split(
        [a, b, c, d], [(30.0, "libraries:L1", "libraries:L2"), (30.0, "adult_social_care:A1", "crm:C1")]
    )
    assert len(set(parts.values())) == 4


def test_compatible_records_stay_together_and_ids_do_not_depend_on_order():
    records = [
        Facts("crm:C1", date(1990, 3, 7), None, None),
        Facts("crm:C2", date(1990, 7, 3), None, None),
        Facts("libraries:L1", None, None, "libraries"),
        Facts("libraries:L2", date(1970, 1, 1), None, "libraries"),
    ]
    links = [(20.0, "crm:C1", "crm:C2"), (15.0, "crm:C2", "libraries:L1"), (15.0, "crm:C1", "libraries:L2")]
    expected = {
        "crm:C1": "crm:C1",
        "crm:C2": "crm:C1",
        "libraries:L1": "crm:C1",
        "libraries:L2": "libraries:L2",
    }
    for seed in range(5):
        shuffled_records, shuffled_links = records[:], links[:]
        random.Random(seed).shuffle(shuffled_records)
        random.Random(seed).shuffle(shuffled_links)
        assert split(shuffled_records, shuffled_links) == expected


def test_cannot_link_pairs_stay_apart_even_through_a_third_record():
    # a parent and a child share email and phone; a contact giving only those details links both
    parent = Facts("crm:C1", None, None, None)
    child = Facts("school_admissions:S1", date(2014, 10, 2), None, "school_admissions")
    contact = Facts("eforms:E1", None, None, None)
    links = [(30.0, "crm:C1", "eforms:E1"), (28.0, "eforms:E1", "school_admissions:S1")]
    parts = split([parent, child, contact], links, [("crm:C1", "school_admissions:S1")])
    assert parts["eforms:E1"] == parts["crm:C1"] != parts["school_admissions:S1"]
    assert len(set(split([parent, child, contact], links).values())) == 1  # without the pair: one


def test_a_reviewers_match_holds_over_the_one_person_rules():
    a = Facts("libraries:L1", date(1980, 1, 2), None, "libraries")
    b = Facts("libraries:L2", date(1980, 2, 3), None, "libraries")  # breaks two rules
    parts = split([a, b], [(math.inf, "libraries:L1", "libraries:L2")])
    assert parts["libraries:L1"] == parts["libraries:L2"]
    assert len(set(split([a, b], [(40.0, "libraries:L1", "libraries:L2")]).values())) == 2


def _twin_world(rows: list[tuple], links: list[tuple]) -> duckdb.DuckDBPyConnection:
    """identity_input (unique_id, first_name, first_name_forms, last_name, dob) and identity_links."""
    con = duckdb.connect()
    con.execute(
        """create temp table identity_input (unique_id varchar, first_name varchar,
           first_name_forms varchar[], last_name varchar, dob date)"""
    )
    con.executemany("insert into identity_input values (?, ?, ?, ?, ?)", rows)
    con.execute(
        """create temp table identity_links (unique_id_l varchar, unique_id_r varchar,
           match_weight double, match_probability double)"""
    )
    con.executemany("insert into identity_links values (?, ?, ?, ?)", links)
    return con


def test_a_record_that_could_be_either_twin_is_linked_to_neither():
    born = date(2016, 11, 3)
    rows = [
        ("libraries:L1", "julie", ["julie"], "smith", born),
        ("crm:C1", "julie", ["julie"], "smith", born),
        ("school_admissions:S1", "james", ["james"], "smith", born),
        ("eforms:E1", "j", ["j"], "smith", born),  # Julie or James?
        ("eforms:E2", None, None, "smith", born),  # no first name: either
        ("eforms:E3", "k", ["k"], "smith", born),  # neither name starts with K: not ambiguous
        ("crm:C2", "j", ["j"], "smith", date(1980, 1, 1)),  # another date: not ambiguous
    ]
    links = [
        ("eforms:E1", "libraries:L1", 20.0, 0.9999),
        ("crm:C1", "eforms:E2", 18.0, 0.9999),
        ("crm:C1", "libraries:L1", 25.0, 0.9999),
        ("eforms:E3", "libraries:L1", 15.0, 0.999),
        ("crm:C2", "crm:C1", 12.0, 0.999),
        ("eforms:E1", "school_admissions:S1", math.inf, 1.0),  # a reviewer's match holds
    ]
    con = _twin_world(rows, links)
    assert drop_ambiguous_twin_links(con, "identity_links") == 2
    kept = con.execute("select unique_id_l, unique_id_r from identity_links order by all").fetchall()
    assert kept == [
        ("crm:C1", "libraries:L1"),
        ("crm:C2", "crm:C1"),
        ("eforms:E1", "school_admissions:S1"),
        ("eforms:E3", "libraries:L1"),
    ]


def test_one_resident_under_a_name_and_its_nickname_is_not_a_pair_of_twins():
    born = date(1941, 5, 9)
    rows = [
        ("libraries:L1", "margaret", ["margaret"], "jones", born),
        ("crm:C1", "peggy", ["margaret", "peggy"], "jones", born),
        ("eforms:E1", None, None, "jones", born),
    ]
    con = _twin_world(rows, [("eforms:E1", "libraries:L1", 20.0, 0.9999)])
    assert drop_ambiguous_twin_links(con, "identity_links") == 0
    assert con.execute("select count(*) from identity_links").fetchall() == [(1,)]
