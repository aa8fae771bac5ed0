"""Audiences of the published tables, declared once on each dbt model (`meta.audience`), and the
rules they keep (contracts/publication.md, Audiences; docs/governance.md).

`open` is the public (suppressed aggregates, transparency files), `internal` council staff
(aggregates, facts and dimensions without person-level rows), `restricted` named analysts
(person-level pseudonymised tables). The rules are read from the parsed dbt manifest, so the
same declaration drives the tests, the gate and the release layout.

Each release holds one set per audience (docs/publication.md, Audiences): `internal` at the
release root (the open and internal tables), `open/` (the open tables and the transparency files)
and `restricted/` (the person-level tables only, readable by the owner or a configured group).
"""

from __future__ import annotations

import grp
import os
import pwd
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from publication.descriptions import TableDocs, docs_from_dbt

AUDIENCES = ("open", "internal", "restricted")
# The tables each audience's set in a release holds. Staff see the open tables too, so the release
# root keeps every table a BI connection had but the person-level ones; the restricted set holds
# only the person-level tables, so that they exist once, under the restrictive modes (named
# analysts are staff: they read the root for the rest).
SETS = {"open": ("open",), "internal": ("open", "internal"), "restricted": ("restricted",)}
# The formats of a set; every set has the DuckDB file (the copy the gate fingerprints).
FORMATS = ("duckdb", "parquet", "hyper")
GROUP_VARIABLE = "INSIGHT_HUB_RESTRICTED_GROUP"
FORMATS_VARIABLE = "INSIGHT_HUB_RESTRICTED_FORMATS"
# Counts of people from 1 to 7 are never published to the open audience (small-number suppression).
LARGEST_WITHHELD = 7
# Who may see what: an audience sees its own tables and those of every more open audience.
VISIBLE = {"open": {"open"}, "internal": {"open", "internal"}, "restricted": set(AUDIENCES)}
# A column that identifies a person (pseudonymously) makes a table person-level.
PERSON_KEYS = frozenset({"customer_key"})
# What each integer column of an open table counts; only people are suppressed.
COUNT_KINDS = ("people", "money", "transactions", "days")
INTEGER_TYPES = (
    *("tinyint", "smallint", "int", "integer", "bigint", "hugeint"),
    *("utinyint", "usmallint", "uinteger", "ubigint", "uhugeint"),
)


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


class AudienceError(ValueError):
    """A restricted-audience setting that cannot be honoured."""


@dataclass(frozen=True)
class AudiencePlan:
    """Where each published table goes, read from the dbt manifest: its audience and what each
    column of an open table counts (`meta.counts`: people, money, transactions or days)."""

    audiences: Mapping[str, str]  # table -> audience
    counts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # open table -> column -> kind
    docs: Mapping[str, TableDocs] = field(default_factory=dict)  # table -> its descriptions

    @classmethod
    def from_manifest(cls, manifest: dict) -> AudiencePlan:
        audiences = table_audiences(manifest)  # raises if a declaration breaks the rules
        models = published_models(manifest)
        counts = {
            name: {
                column: kind
                for column, spec in models[name]["columns"].items()
                if (kind := spec.get("meta", {}).get("counts"))
            }
            for name, audience in audiences.items()
            if audience == "open"
        }
        return cls(audiences, counts, docs_from_dbt(manifest))

    def tables_of(self, audience: str, tables: Iterable[str]) -> list[str]:
        """The tables of `tables` that the audience's set holds (an undeclared table is in none)."""
        return sorted(t for t in tables if self.audiences.get(t) in SETS[audience])

    def undeclared(self, tables: Iterable[str]) -> list[str]:
        return sorted(t for t in tables if t not in self.audiences)


def set_problems(
    con: duckdb.DuckDBPyConnection, database: str, schema: str, audience: str, plan: AudiencePlan
) -> list[str]:
    """Why the set of `audience` built in `database` may not be published (empty when it may).

    Judged on the copy itself, whatever the declarations say: no set but the restricted one holds
    a person key column; the open set holds only open tables, every whole-number column in it
    declares what it counts, and no count of people is between 1 and 7. Problems name the table
    and column and count the cells, never show a value.
    """
    columns = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? order by table_name, column_index",
        [database, schema],
    ).fetchall()
    problems = []
    for table, column, data_type in columns:
        where = f"{audience}/{table}.{column}"
        if audience != "restricted" and column.lower() in PERSON_KEYS:
            problems.append(
                f"{where}: a person key in the {audience} set (person-level tables are restricted)"
            )
        if audience != "open":
            continue
        kind = plan.counts.get(table, {}).get(column)
        if kind is None and data_type.lower() in INTEGER_TYPES:
            problems.append(f"{where}: a whole-number column of the open set must declare meta.counts")
        elif kind == "people":
            [(small,)] = con.execute(
                f'select count(*) from "{database}"."{schema}"."{table}" '
                f'where "{column}" > 0 and "{column}" <= {LARGEST_WITHHELD}'
            ).fetchall()
            if small:
                problems.append(
                    f"{where}: {small} count(s) of people between 1 and {LARGEST_WITHHELD} "
                    "(small-number suppression withholds them)"
                )
    if audience == "open":
        tables = {table for table, _, _ in columns}
        problems += [
            f"open/{table}: not an open table (audience {plan.audiences.get(table)})"
            for table in sorted(tables)
            if plan.audiences.get(table) != "open"
        ]
        declared_people = {
            (t, c) for t, kinds in plan.counts.items() for c, k in kinds.items() if k == "people"
        }
        present = {(table, column) for table, column, _ in columns}
        problems += [
            f"open/{t}.{c}: declared a count of people but missing from the set"
            for t, c in sorted(declared_people - present)
            if t in tables
        ]
    return problems


@dataclass(frozen=True)
class RestrictedAccess:
    """Who may read the restricted set and in which formats (INSIGHT_HUB_RESTRICTED_GROUP,
    INSIGHT_HUB_RESTRICTED_FORMATS): the owner alone, or the owner and one group; DuckDB only
    unless Parquet or Hyper copies are configured (each copy is one more file to protect)."""

    group: str | None = None
    formats: tuple[str, ...] = ("duckdb",)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> RestrictedAccess:
        group = environ.get(GROUP_VARIABLE, "").strip() or None
        named = [f.strip().lower() for f in environ.get(FORMATS_VARIABLE, "duckdb").split(",") if f.strip()]
        if unknown := sorted(set(named) - set(FORMATS)):
            raise AudienceError(
                f"{FORMATS_VARIABLE}: unknown format(s) {', '.join(unknown)}; use a comma-separated "
                f"list of {', '.join(FORMATS)} (duckdb is always written)"
            )
        return cls(group, tuple(f for f in FORMATS if f == "duckdb" or f in named))

    @property
    def folder_mode(self) -> int:
        return 0o750 if self.group else 0o700

    @property
    def file_mode(self) -> int:
        """Read-only, as every release file, for the owner (and the group)."""
        return 0o440 if self.group else 0o400

    def gid(self) -> int | None:
        """The group to give the restricted files, after checking it exists and this user is in it
        (only a member may give a file to a group); None when no group is configured."""
        if self.group is None:
            return None
        try:
            gid = grp.getgrnam(self.group).gr_gid
        except KeyError:
            raise AudienceError(
                f"{GROUP_VARIABLE}={self.group!r}: there is no such group on this machine; create it "
                "(and add the named analysts and this service user), or unset the variable to keep "
                "the restricted files to their owner"
            ) from None
        if os.geteuid() != 0 and gid not in {os.getegid(), *os.getgroups()}:
            user = pwd.getpwuid(os.geteuid()).pw_name
            raise AudienceError(
                f"{GROUP_VARIABLE}={self.group!r}: user {user} is not a member of that group, so it "
                "cannot give the restricted files to it; add the user to the group (and start a new "
                "login session) or unset the variable"
            )
        return gid


def set_lines(manifest: Mapping, release_folder: Path) -> list[str]:
    """`insight-hub status`'s lines on a release's audience sets: per set its folder, formats, tables
    and rows; for the restricted set who may read it (the group, or the owner only) and whether the
    folder's mode on disk is still the one published (a widened folder is a finding, said plainly)."""
    sections = manifest.get("audiences")
    if not sections:
        return ["  audience sets:  none (a release from before the audience split: one set for everyone)"]
    lines = ["  audience sets:"]
    for audience in AUDIENCES:
        section = sections.get(audience)
        if section is None:
            lines.append(f"    {audience:<10} missing from the manifest")
            continue
        tables = section.get("tables", {})
        rows = sum(int(t.get("rows", 0)) for t in tables.values())
        line = (
            f"    {audience:<10} {section.get('folder', '.') + '/':<12} {len(tables):>3} tables "
            f"{rows:>10,} rows  {','.join(section.get('formats', []))}"
        )
        if audience == "restricted":
            access = section.get("access", {})
            published = access.get("folder_mode")
            folder = release_folder / section.get("folder", audience)
            actual = oct(folder.stat().st_mode & 0o777) if folder.exists() else None
            line += f"  readers: {'group ' + access['group'] if access.get('group') else 'owner only'}"
            line += f"  mode {actual or 'missing'}"
            if actual != published:
                line += f" (published as {published}: the release verification refuses it)"
        lines.append(line)
    return lines
