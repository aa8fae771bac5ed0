"""What the dbt project says of each published table: its description, its columns' descriptions
and its grain, read from dbt's parsed manifest. One reading serves every place that describes the
data: the release (DuckDB comments, Parquet metadata, dictionary.csv, and the refusal of a column
without a description) and the serving database's COMMENTs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TableDocs:
    """What the dbt project says of one table: descriptions and the grain (its unique columns)."""

    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    grain: tuple[str, ...] = ()


def docs_from_dbt(manifest: dict[str, Any]) -> dict[str, TableDocs]:
    """Descriptions and grain of every `bi` model from dbt's parsed manifest.

    The grain is the model's `unique_combination` test, else a column tested `unique`.
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
        if node["resource_type"] != "test" or model not in models:
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
        )
        for uid, node in models.items()
    }


def dbt_docs(manifest_path: Path) -> dict[str, TableDocs]:
    """`docs_from_dbt` of dbt's manifest file, or nothing where dbt has not parsed the project."""
    if not manifest_path.is_file():
        return {}
    return docs_from_dbt(json.loads(manifest_path.read_text(encoding="utf-8")))
