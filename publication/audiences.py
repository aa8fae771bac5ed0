"""Audiences of the published tables, declared once on each dbt model (`meta.audience`), and the
rules they keep (contracts/publication.md, Audiences; docs/governance.md).

`open` is the public (suppressed aggregates, transparency files), `internal` council staff
(aggregates, facts and dimensions without person-level rows), `restricted` named analysts
(person-level pseudonymised tables). The rules are read from the parsed dbt manifest, so the
same declaration drives the tests, the gate and the release layout.
"""

from __future__ import annotations

AUDIENCES = ("open", "internal", "restricted")
# Who may see what: an audience sees its own tables and those of every more open audience.
VISIBLE = {"open": {"open"}, "internal": {"open", "internal"}, "restricted": set(AUDIENCES)}
# A column that identifies a person (pseudonymously) makes a table person-level.
PERSON_KEYS = frozenset({"customer_key"})
# What each integer column of an open table counts; only people are suppressed.
COUNT_KINDS = ("people", "money", "transactions", "days")
INTEGER_TYPES = ("bigint", "integer", "int", "smallint", "hugeint")


def published_models(manifest: dict) -> dict[str, dict]:
    """The models of schema `bi` by name."""
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "bi"
    }


def audience_of(node: dict) -> object:
    """The declared audience (whatever was written: the rules say whether it is valid)."""
    return node["config"].get("meta", {}).get("audience")


def table_audiences(manifest: dict) -> dict[str, str]:
    """Published table -> its audience; raises if any declaration breaks the rules."""
    if problems := violations(manifest):
        raise ValueError("audience declarations break the rules: " + "; ".join(problems))
    return {name: audience_of(node) for name, node in published_models(manifest).items()}


def is_person_level(node: dict) -> bool:
    """A table with a person key column, or declared `meta.grain: person`."""
    columns = {c.lower() for c in node["columns"]}
    return bool(columns & PERSON_KEYS) or node["config"].get("meta", {}).get("grain") == "person"


def violations(manifest: dict) -> list[str]:
    """Every broken audience rule, as a sentence naming the table, column or exposure."""
    problems = []
    models = published_models(manifest)
    for name, node in sorted(models.items()):
        audience = audience_of(node)
        if audience not in AUDIENCES:
            problems.append(
                f"{name}: meta.audience must be exactly one of {', '.join(AUDIENCES)}, not {audience!r}"
            )
            continue
        if is_person_level(node) and audience != "restricted":
            problems.append(f"{name}: a person-level table must be restricted, not {audience}")
        if audience == "open":
            problems += _open_table_problems(name, node, _tested_columns(manifest, "small_number_suppressed"))
    by_id = {node["unique_id"]: node for node in models.values()}
    for exposure in sorted(manifest["exposures"].values(), key=lambda e: e["name"]):
        audience = exposure.get("meta", {}).get("audience")
        if audience not in AUDIENCES:
            problems.append(
                f"exposure {exposure['name']}: meta.audience must be one of {', '.join(AUDIENCES)}"
            )
            continue
        for uid in exposure["depends_on"]["nodes"]:
            table = by_id.get(uid)
            if (
                table is not None
                and audience_of(table) in AUDIENCES
                and audience_of(table) not in VISIBLE[audience]
            ):
                problems.append(
                    f"exposure {exposure['name']} ({audience}) reads {table['name']} ({audience_of(table)})"
                )
    return problems


def _tested_columns(manifest: dict, test: str) -> set[tuple[str, str]]:
    """(model unique id, column) of every column carrying the generic test `test`."""
    return {
        (node.get("attached_node"), node.get("column_name"))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") == test
    }


def _open_table_problems(name: str, node: dict, suppressed: set[tuple[str, str]]) -> list[str]:
    """Each integer column says what it counts; each count of people is suppressed and tested."""
    problems = []
    columns = node["columns"]
    for column, spec in columns.items():
        if (spec.get("data_type") or "").lower() not in INTEGER_TYPES:
            continue
        kind = spec.get("meta", {}).get("counts")
        if kind not in COUNT_KINDS:
            problems.append(
                f"{name}.{column}: an open count must declare meta.counts ({', '.join(COUNT_KINDS)})"
            )
        elif kind == "people":
            if (node["unique_id"], column) not in suppressed:
                problems.append(
                    f"{name}.{column}: an open count of people needs the small_number_suppressed test"
                )
            if f"{column}_suppressed" not in columns:
                problems.append(f"{name}.{column}: an open count of people needs a {column}_suppressed flag")
    return problems
