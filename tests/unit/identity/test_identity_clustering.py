"""Splitting a cluster that breaks a one-person rule, strongest links first."""

import math
import random
from datetime import date

from identity.clustering import Facts, dob_key, split


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
