"""What the dbt project says of each published table: its description, its columns' descriptions,
its grain, the KPI dictionary's unit and definition of each KPI column (dbt `meta`) and the raw
feeds it is built from (dbt's lineage), read from dbt's parsed manifest. One reading serves every
place that describes the data: the release (DuckDB comments, Parquet metadata, dictionary.csv, and
the refusal of a column without a description), the serving database's COMMENTs and the
restatements (publication/restatements.py: which feeds can restate a table)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The KPI dictionary's fields of a KPI column, in the column's dbt `meta` (`unit`, and under `kpi`
# the rest), and of a KPI table, in the model's `meta.kpi` (owner; the source feeds come from
# dbt's lineage, never restated by hand).
KPI_COLUMN_FIELDS = ("definition", "numerator", "denominator", "null_rule")


@dataclass(frozen=True)
class TableDocs:
    """What the dbt project says of one table: descriptions, the grain (its unique columns), each
    column's `meta` (unit, KPI definition), the table's `meta` and the raw tables it reads."""

    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    grain: tuple[str, ...] = ()
    column_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # raw tables (schema `raw`) upstream of the model, sorted

    def unit(self, column: str) -> str:
        """The column's unit (dbt meta `unit`), or "" where the YAML gives none."""
        return str(self.column_meta.get(column, {}).get("unit") or "")

    def kpi(self, column: str) -> dict[str, str]:
        """The KPI dictionary's fields of a KPI column (definition, numerator, denominator, NULL
        rule) with the table's owner and source feeds; empty for a column that is no KPI."""
        kpi = self.column_meta.get(column, {}).get("kpi") or {}
        if not kpi:
            return {}
        table = self.meta.get("kpi") or {}
        return {
            **{name: str(kpi.get(name) or "") for name in KPI_COLUMN_FIELDS},
            "owner": str(table.get("owner") or ""),
            "source_feeds": " ".join(self.sources),
        }


def docs_from_dbt(manifest: dict[str, Any]) -> dict[str, TableDocs]:
    """Descriptions and grain of every `bi` model from dbt's parsed manifest.

    The grain is the model's `unique_combination` test, else a column tested `unique`; a test with a
    `where` filter (e.g. one chief executive a date) is a rule on some rows, not the grain.
    """
    models = {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "bi"
    }
    grains: dict[str, tuple[str, ...]] = {}
    for node in manifest["nodes"].values():
        test = node.get("test_metadata") or {}
        model = node.get("attached_node")
        if node["resource_type"] != "test" or model not in models or (node.get("config") or {}).get("where"):
            continue
        if test.get("name") == "unique_combination":
            grains[model] = tuple(test["kwargs"]["combination"])
        elif test.get("name") == "unique" and node.get("column_name"):
            grains.setdefault(model, (node["column_name"],))
    return {
        node["name"]: TableDocs(
            description=node.get("description") or "",
            columns={name: spec.get("description") or "" for name, spec in node["columns"].items()},
            grain=grains.get(uid, ()),
            column_meta={name: _meta(spec) for name, spec in node["columns"].items()},
            meta=_meta(node),
            sources=raw_sources(manifest, uid),
        )
        for uid, node in models.items()
    }


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    """A node's or column's dbt `meta` (`config: {meta: ...}`, dbt's place for it since 1.10)."""
    return dict((node.get("config") or {}).get("meta") or node.get("meta") or {})


def raw_sources(manifest: dict[str, Any], unique_id: str) -> tuple[str, ...]:
    """The raw tables (dbt sources in schema `raw`) that a node is built from, through every model
    in between (dbt's parent_map)."""
    parents = manifest.get("parent_map") or {}
    sources = manifest.get("sources") or {}
    seen: set[str] = set()
    todo = [unique_id]
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return tuple(
        sorted(
            sources[uid].get("identifier") or sources[uid]["name"]
            for uid in seen
            if uid in sources and sources[uid].get("schema") == "raw"
        )
    )


def dbt_docs(manifest_path: Path) -> dict[str, TableDocs]:
    """`docs_from_dbt` of dbt's manifest file, or nothing where dbt has not parsed the project."""
    if not manifest_path.is_file():
        return {}
    return docs_from_dbt(json.loads(manifest_path.read_text(encoding="utf-8")))
