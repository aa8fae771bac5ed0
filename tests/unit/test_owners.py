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


# The hidden scratch names the layout gives (a release being built, a candidate `current` link, a
# decoded copy, a compaction's new file, Hyper's Parquet feed).
SCRATCH_MARKERS = (".building", ".compacting", ".hyper_feed", ".utf8", ".current.")
PATH_CALLS = {"Path", "PurePath", "joinpath", "join"}
# Files other than Python that name paths under the data root, and what each may write there
# (dbt's profile derives the warehouse's path itself: a test renders it against Layout.warehouse).
OTHER_FILES = (
    "Makefile",
    ".pre-commit-config.yaml",
    "workspace.yaml",
    "dbt_project/profiles.yml",
    "dbt_project/dbt_project.yml",
)
OTHER_FILES_ALLOWED = {("dbt_project/profiles.yml", "warehouse.duckdb")}
# A step under the data root written after the variable naming it ($VAR/x, ${VAR}/x, $(VAR)/x,
# {{ env_var('VAR') }}/x).
UNDER_HOME = re.compile(r"INSIGHT_HUB_HOME(?:\W{0,6})/([\w.-]+)")


def python_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py") if "cache" not in p.parts)


def sql_files() -> list[Path]:
    return sorted(p for p in (REPO / "dbt_project").rglob("*.sql") if "target" not in p.parts)


def register_sql(text: str) -> list[int]:
    """Lines where SQL names `ops.file_register`, the keyword and the name on one line or several."""
    lines = text.splitlines()
    found = []
    for match in REGISTER_SQL.finditer(text):
        n = text.count("\n", 0, match.start()) + 1
        if not lines[n - 1].lstrip().startswith(("--", "#")):
            found.append(n)
    return found


def register_sql_outside_owner() -> list[str]:
    return [
        f"{path.relative_to(REPO)}:{n}"
        for path in [*python_files(), *sql_files()]
        if path != REGISTER_OWNER
        for n in register_sql(path.read_text(encoding="utf-8"))
    ]


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
    # Steps of a path: operands of `/`, arguments of Path(...), .joinpath(...), os.path.join(...); and
    # the text between the values of an f-string holding a `/` (there, only the unambiguous names).
    in_paths = {
        id(operand)
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
        for operand in (node.left, node.right)
    }
    in_paths |= {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _call_name(node.func) in PATH_CALLS
        for arg in node.args
    }
    in_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
        if isinstance(part, ast.Constant) and "/" in str(part.value)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        text = node.value
        steps = set(text.split("/")) if id(node) in in_paths | in_fstrings else {_first_segment(text)}
        if (
            text in DATA_ROOT_NAMES
            or (id(node) in in_fstrings and steps & DATA_ROOT_NAMES)  # a URL's /runs/ is not the root's
            or ("/" in text and steps & DATA_ROOT_NAMES)
            or (id(node) in in_paths and steps & (DATA_ROOT_NAMES | PATH_ONLY_NAMES))
            or any(marker in text for marker in SCRATCH_MARKERS)
        ):
            found.append((node.lineno, text))
    for node in ast.walk(tree):  # the data root found by walking up from a folder in it
        if (
            isinstance(node, ast.Call)
            and _call_name(node.func) == "Layout"
            and any(isinstance(a, ast.Attribute) and a.attr == "parent" for a in node.args)
        ):
            found.append((node.lineno, "Layout(<path>.parent)"))
    return found


def _call_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


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


def paths_under_home(text: str) -> list[tuple[int, str]]:
    """(line, first step) of every path under INSIGHT_HUB_HOME written in a non-Python file."""
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(1))
        for m in UNDER_HOME.finditer(text)
        if not text[text.rfind("\n", 0, m.start()) + 1 : m.start()].lstrip().startswith("#")
    ]


def test_no_path_under_the_data_root_in_other_files():
    found = [
        f"{name}:{line}: {step}"
        for name in OTHER_FILES
        if (REPO / name).exists()
        for line, step in paths_under_home((REPO / name).read_text(encoding="utf-8"))
        if (name, step) not in OTHER_FILES_ALLOWED
    ]
    assert found == []


def test_the_profile_names_the_layouts_warehouse(tmp_path):
    """The one allowed name outside the layout: dbt's profile, rendered, is Layout.warehouse."""
    import yaml

    from ingestion.layout import Layout

    profile = yaml.safe_load((REPO / "dbt_project" / "profiles.yml").read_text())["insight_hub"]
    for target, output in profile["outputs"].items():
        path = output["path"].replace("{{ env_var('INSIGHT_HUB_HOME') }}", str(tmp_path))
        assert path in (str(Layout(tmp_path).warehouse), ":memory:"), target


def test_the_other_files_rule_fires_on_each_way_of_naming_the_root():
    text = """
# a comment may say $INSIGHT_HUB_HOME/published
echo "$(INSIGHT_HUB_HOME)/published/current/"
export DBT_TARGET_PATH="$INSIGHT_HUB_HOME/dbt/target"
path: "{{ env_var('INSIGHT_HUB_HOME') }}/warehouse.duckdb"
cd ${INSIGHT_HUB_HOME}/landing
"""
    assert [step for _, step in paths_under_home(text)] == ["published", "dbt", "warehouse.duckdb", "landing"]


def test_the_register_rule_fires_on_sql_over_several_lines():
    source = '''
sql = """
    select file_name
    from
        ops.file_register
    where version = 1
"""
# from ops.file_register (a comment)
'''
    assert register_sql(source) == [4]  # where the statement naming it starts


def test_the_layout_rule_fires_on_f_strings_joinpath_path_calls_scratch_names_and_walks_up():
    source = """
a = f"{home}/landing/{feed}"
b = home.joinpath("archive", feed)
c = Path(home, "quarantine")
d = os.path.join(home, "dbt", "target")
e = published / f".{release_id}.building"
f = Layout(published.parent).hyper_logs
g = f"{count} files in the current release/s"
"""
    assert sorted(text for _, text in data_root_literals(source)) == sorted(
        ["/landing/", "archive", "quarantine", "target", ".building", "Layout(<path>.parent)"]
    )


def test_every_forbidden_name_is_the_layouts():
    """The rule forbids exactly what the layout object names, so a new folder is added there first."""
    owned = {text for _, text in data_root_literals(LAYOUT_OWNER.read_text(encoding="utf-8"))}
    assert owned >= DATA_ROOT_NAMES | PATH_ONLY_NAMES
