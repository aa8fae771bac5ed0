"""The grain the serving database indexes as unique comes from the model's unique_combination test;
a uniqueness rule filtered by `where` (one chief executive a date) is not the grain."""

from publication.descriptions import docs_from_dbt


def _test(uid: str, combination: list[str], where: str | None = None) -> dict:
    return {
        "unique_id": uid,
        "resource_type": "test",
        "attached_node": "model.p.organisation_chart",
        "test_metadata": {"name": "unique_combination", "kwargs": {"combination": combination}},
        "config": {"where": where},
    }


def test_a_filtered_uniqueness_rule_is_not_the_grain():
    model = {
        "unique_id": "model.p.organisation_chart",
        "resource_type": "model",
        "schema": "bi",
        "name": "organisation_chart",
        "columns": {},
        "depends_on": {"nodes": []},
    }
    for order in (1, -1):  # whichever order the manifest lists the tests in
        tests = [
            _test("test.p.grain", ["snapshot_date", "position"]),
            _test("test.p.one_chief", ["snapshot_date"], where="reports_to is null"),
        ][::order]
        manifest = {"nodes": {n["unique_id"]: n for n in [model, *tests]}, "sources": {}}
        assert docs_from_dbt(manifest)["organisation_chart"].grain == ("snapshot_date", "position")
