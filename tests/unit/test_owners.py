"""Two owners nobody bypasses, kept so by reading the code.

- `ingestion/register.py` is the only Python that runs SQL on `ops.file_register` (dbt reads it
  through its `ops` source, never by name).
- `ingestion/layout.py` names every path under INSIGHT_HUB_HOME: no folder or file name of the data
  root is written as a literal anywhere else.

Tests are outside the rule: they check what is on disk and in the register against the documented
layout and columns, from the outside, as an operator would.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = (
    "orchestration",
    "cli",
    "ingestion",
    "identity",
    "publication",
    "expectations",
    "simulator",
    "bench",
)
REGISTER_OWNER = REPO / "ingestion" / "register.py"
LAYOUT_OWNER = REPO / "ingestion" / "layout.py"

REGISTER_SQL = re.compile(r"\b(from|join|into|update|table|exists)\s+ops\.file_register\b", re.IGNORECASE)
# Names that mean a place in the data root wherever they appear as a whole string.
DATA_ROOT_NAMES = {
    "landing",
    "archive",
    "quarantine",
    "superseded",
    "published",
    "releases",
    "simulator_truth",
    "warehouse.duckdb",
    "insight_hub.duckdb",
    ".run.lock",
}
# Names that are also ordinary words (a group, a resource, the dbt executable, a run tag): flagged
# only as a step of a path (`x / "name"`). `dbt/target` and `dbt/logs` are caught by their second step.
PATH_ONLY_NAMES = {
    "tmp",
    "identity",
    "current",
    "transparency",
    "dagster",
    "target",
    "logs",
    "gx",
    "runs",
    "hyper",
    "manifest.json",
}


def python_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py") if "cache" not in p.parts)


def sql_files() -> list[Path]:
    return sorted(p for p in (REPO / "dbt_project").rglob("*.sql") if "target" not in p.parts)


def register_sql_outside_owner() -> list[str]:
    found = []
    for path in [*python_files(), *sql_files()]:
        if path == REGISTER_OWNER:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if REGISTER_SQL.search(line) and not line.lstrip().startswith(("--", "#")):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    return found


def _first_segment(text: str) -> str:
    return text.split("/", 1)[0]


def data_root_literals(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every data-root name written in the code (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    in_paths = {
        id(operand)
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
        for operand in (node.left, node.right)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        text = node.value
        head = _first_segment(text)
        if (
            text in DATA_ROOT_NAMES
            or ("/" in text and head in DATA_ROOT_NAMES)
            or (id(node) in in_paths and head in DATA_ROOT_NAMES | PATH_ONLY_NAMES)
        ):
            found.append((node.lineno, text))
    return found


def test_no_sql_on_the_file_register_outside_its_owner():
    assert register_sql_outside_owner() == []


def test_the_register_rule_fires_on_a_query():
    assert REGISTER_SQL.search("select max(file_date) from ops.file_register where table_name = ?")
    assert REGISTER_SQL.search("update ops.file_register set report_path = ?")
    assert not REGISTER_SQL.search("`ops.file_register` records every version of every file")


def test_no_literal_data_root_name_outside_the_layout():
    found = [
        f"{path.relative_to(REPO)}:{line}: {text!r}"
        for path in python_files()
        if path != LAYOUT_OWNER
        for line, text in data_root_literals(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_layout_rule_fires_on_each_way_of_writing_a_path():
    source = '''
"""A docstring may say quarantine/ and landing/."""
a = home / "landing" / feed
b = home / "dbt" / "target"
tag = "dagster/asset_partition_range_start"
c = "simulator_truth/persons.csv"
d = ("archive", "quarantine")
e = f"quarantine/{feed}"
group = "identity"
'''
    assert sorted(text for _, text in data_root_literals(source)) == [
        "archive",
        "landing",
        "quarantine",
        "quarantine/",
        "simulator_truth/persons.csv",
        "target",
    ]


def test_every_forbidden_name_is_the_layouts():
    """The rule forbids exactly what the layout object names, so a new folder is added there first."""
    owned = {text for _, text in data_root_literals(LAYOUT_OWNER.read_text(encoding="utf-8"))}
    assert owned >= DATA_ROOT_NAMES | PATH_ONLY_NAMES
