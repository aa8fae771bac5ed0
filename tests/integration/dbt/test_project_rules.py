"""Rules the dbt project keeps, read from its parsed manifest (`dbt parse`, no data needed)."""

import yaml

from expectations.runner import POLICY_FILE

# Column names that would carry a direct identifier (publication contract, personal data rules).
IDENTIFIER_COLUMNS = {
    "person_id", "pernr", "first_name", "last_name", "surname", "forename", "customer_first_name",
    "customer_last_name", "email", "customer_email", "phone", "customer_phone", "caller_number", "dob",
    "customer_dob", "birth_date", "ni_number", "nhs_number", "address_line1", "postcode", "uprn",
    "client_ref", "provider_name", "line_text", "sgtxt", "owner", "agent_id", "account_id", "payload",
}  # fmt: skip
TRICKY_RULES = {
    "sickness_is_split_into_months_by_working_days",
    "telephony_times_are_converted_to_london_local_time_across_clock_changes",
    "short_abandons_are_not_offered_calls",
    "contracts_match_suppliers_and_extend_by_whole_months",
    "spend_lines_are_on_off_or_non_contract",
    "payments_fall_into_the_procurement_act_bands",
    "credit_notes_can_push_pct_on_contract_outside_0_1",
    "credit_lines_are_negative",
    "missing_source_days_count_feed_days_up_to_the_reporting_date",
    "a_month_is_complete_on_its_last_day",
    "a_month_has_not_ended_the_day_before_its_last_day",
    "a_refused_file_is_a_missing_day_and_a_file_with_quarantined_rows_is_loaded",
    "a_line_without_a_directorate_on_its_date_is_unallocated",
    "budget_and_actuals_without_a_directorate_are_unallocated",
    "people_and_positions_without_a_directorate_are_unallocated",
    "a_position_without_a_directorate_is_unallocated",
}


def _models(manifest: dict, schema: str) -> dict[str, dict]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == schema
    }


def test_every_published_model_has_an_enforced_contract_and_descriptions(manifest):
    published = _models(manifest, "bi")
    assert len(published) >= 15
    for node in published.values():
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["description"].strip(), node["name"]
        assert node["columns"], node["name"]
        for column in node["columns"].values():
            assert column["description"].strip(), f"{node['name']}.{column['name']}"
            assert column["data_type"], f"{node['name']}.{column['name']}"


def _statutory_reads(node: dict) -> set[str]:
    """Restricted models a published model declares it reads for personal data the law requires
    it to publish (meta.statutory_personal_data; docs/statutory.md)."""
    declared = node["config"].get("meta", {}).get("statutory_personal_data") or {}
    return {f"model.insight_hub.{name}" for name in declared.get("reads", [])}


def test_no_published_model_reads_a_restricted_model(manifest):
    restricted = set(_models(manifest, "restricted"))
    assert restricted, "the personal columns of the sources live in schema restricted"
    for uid, node in _models(manifest, "bi").items():
        allowed = _statutory_reads(node)  # read directly, never through another model
        seen, todo = set(), [uid]
        while todo:
            child = todo.pop()
            for parent in manifest["parent_map"].get(child, []):
                assert parent not in restricted or (child == uid and parent in allowed), (
                    f"{uid} depends on {parent}"
                )
                if parent not in seen and parent not in allowed:
                    seen.add(parent)
                    todo.append(parent)


def test_only_the_senior_salaries_publish_personal_data_as_the_law_requires(manifest):
    """The Transparency Code's names at £150,000 and over: one model, one column, declared in dbt
    and in the gate's policy alike."""
    declared = {
        node["name"]: set(node["config"]["meta"]["statutory_personal_data"]["columns"])
        for node in _models(manifest, "bi").values()
        if node["config"].get("meta", {}).get("statutory_personal_data")
    }
    assert declared == {"senior_salaries": {"name"}}
    policy = yaml.safe_load(POLICY_FILE.read_text())["statutory_personal_data"]
    assert {table: set(columns) for table, columns in policy.items()} == declared


def test_no_published_column_is_a_direct_identifier(manifest):
    for node in _models(manifest, "bi").values():
        named = {c.lower() for c in node["columns"]} & IDENTIFIER_COLUMNS
        assert not named, f"{node['name']} publishes {named}"


def test_every_published_model_is_consumed_by_an_exposure_that_says_who_when_and_why(manifest):
    exposed = set()
    for exposure in manifest["exposures"].values():
        assert exposure["owner"]["name"], exposure["name"]
        for said in ("Who:", "How often and when:", "What for:"):
            assert said in exposure["description"], f"{exposure['name']} does not say {said}"
        exposed |= set(exposure["depends_on"]["nodes"])
    assert set(_models(manifest, "bi")) <= exposed


def test_seeds_name_their_source(manifest):
    seeds = [n for n in manifest["nodes"].values() if n["resource_type"] == "seed"]
    assert {s["name"] for s in seeds} >= {
        "gl_account_ranges",
        "channel_unit_costs",
        "contact_reasons",
        "bank_holidays_england_wales",
        "directorates",
        "postcode_districts",
    }
    for seed in seeds:
        assert "source" in seed["description"].lower(), seed["name"]


def test_each_tricky_rule_has_a_unit_test(manifest):
    assert {test["name"] for test in manifest["unit_tests"].values()} >= TRICKY_RULES


def test_every_kpi_column_of_the_kpi_dictionary_has_a_unit_and_its_kpi_fields_in_the_dbt_meta(manifest):
    """What dictionary.csv carries (publication/descriptions.py): a unit and a NULL rule for every KPI
    column, numerator and denominator for every rate, an owner and source feeds for every KPI table."""
    from kpi_dictionary import KPI_COLUMNS, RATIOS

    from publication.descriptions import docs_from_dbt

    docs = docs_from_dbt(manifest)
    for table, columns in KPI_COLUMNS.items():
        assert docs[table].sources, f"{table} reads no raw table"
        for column in columns:
            kpi = docs[table].kpi(column)
            assert docs[table].unit(column), f"{table}.{column} has no unit"
            assert kpi["null_rule"] and kpi["owner"] and kpi["source_feeds"], f"{table}.{column}: {kpi}"
            if column in RATIOS:
                assert kpi["numerator"] and kpi["denominator"], f"{table}.{column}: {kpi}"
