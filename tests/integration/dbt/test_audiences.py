"""Audiences declared once on the dbt models (meta.audience) and the rules they keep, read from the
parsed manifest; each rule is also shown firing on a manifest that breaks it."""

import copy

import pytest

from publication.audiences import published_models, table_audiences, violations

PERSON_LEVEL = {"customer_360", "dim_customer", "fct_contacts"}


def test_every_published_model_has_exactly_one_valid_audience_and_the_rules_hold(manifest):
    assert violations(manifest) == []
    audiences = table_audiences(manifest)
    assert set(audiences) == set(published_models(manifest))
    assert {t for t, a in audiences.items() if a == "restricted"} >= PERSON_LEVEL
    assert {
        "open_workforce_monthly",
        "open_csc_monthly",
        "open_digital_monthly",
        "transparency_spend_over_500",
    } <= {t for t, a in audiences.items() if a == "open"}


def test_every_exposure_says_which_audience_it_gets(manifest):
    exposures = manifest["exposures"].values()
    assert exposures
    assert {e["meta"]["audience"] for e in exposures} == {"open", "internal", "restricted"}


def _node(manifest: dict, name: str) -> dict:
    return next(n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == name)


@pytest.mark.parametrize("audience", ["open", "internal"])
def test_a_person_level_table_cannot_be_open_or_internal(manifest, audience):
    broken = copy.deepcopy(manifest)
    _node(broken, "customer_360")["config"]["meta"]["audience"] = audience
    assert f"customer_360: a person-level table must be restricted, not {audience}" in violations(broken)
    with pytest.raises(ValueError, match="customer_360"):
        table_audiences(broken)


def test_a_table_with_a_customer_key_is_person_level_whatever_its_name(manifest):
    broken = copy.deepcopy(manifest)
    node = _node(broken, "kpi_csc_monthly")
    node["columns"]["customer_key"] = {"name": "customer_key", "data_type": "varchar", "meta": {}}
    assert "kpi_csc_monthly: a person-level table must be restricted, not internal" in violations(broken)


@pytest.mark.parametrize("declared", [None, "public", ["open", "internal"]])
def test_a_missing_unknown_or_double_audience_is_refused(manifest, declared):
    broken = copy.deepcopy(manifest)
    meta = _node(broken, "fct_spend")["config"]["meta"]
    meta.pop("audience")
    if declared is not None:
        meta["audience"] = declared
    assert any(p.startswith("fct_spend: meta.audience must be exactly one") for p in violations(broken))


def test_an_exposure_cannot_read_a_table_of_a_more_restricted_audience(manifest):
    broken = copy.deepcopy(manifest)
    exposure = next(e for e in broken["exposures"].values() if e["name"] == "open_kpi_tables")
    exposure["depends_on"]["nodes"].append(_node(broken, "fct_spend")["unique_id"])
    assert violations(broken) == ["exposure open_kpi_tables (open) reads fct_spend (internal)"]


def test_an_open_count_of_people_must_be_suppressed_and_say_what_it_counts(manifest):
    broken = copy.deepcopy(manifest)
    node = _node(broken, "open_workforce_monthly")
    del node["columns"]["headcount_suppressed"]
    node["columns"]["agency_spend_gbp"]["data_type"] = "bigint"
    node["columns"]["agency_spend_gbp"]["meta"] = {}
    broken["nodes"] = {
        uid: n
        for uid, n in broken["nodes"].items()
        if not (
            n["resource_type"] == "test" and n.get("column_name") == "starters" and "open_workforce" in uid
        )
    }
    assert sorted(violations(broken)) == [
        "open_workforce_monthly.agency_spend_gbp: an open count must declare meta.counts "
        "(people, money, transactions, days)",
        "open_workforce_monthly.headcount: an open count of people needs a headcount_suppressed flag",
        "open_workforce_monthly.starters: an open count of people needs the small_number_suppressed test",
    ]
