"""A release split by audience: which set holds which table, in which formats, the restricted
set's modes and group, the open set's disclosure check, and each guard firing."""

import grp
import json
import os
import stat
from datetime import date

import duckdb
import pytest
from pack_pages import PACK_FILES
from release_docs import with_docs

from ingestion.layout import PRIVATE_UMASK
from publication.audiences import AudienceError, AudiencePlan, RestrictedAccess, set_lines
from publication.fingerprint import table_fingerprint
from publication.gate import ReleaseRefused
from publication.release import ReleaseError, ReleaseInputs, build_release, releases_dir, verify_release

PLAN = AudiencePlan(
    {"kpi": "internal", "open_kpi": "open", "customer_360": "restricted"},
    {"open_kpi": {"people": "people", "spend": "money"}},
)


OWNER_ONLY = RestrictedAccess()


def inputs(warehouse, plan=PLAN, restricted=OWNER_ONLY) -> ReleaseInputs:
    """Inputs whose one blocking check per `bi` table passed on the table as it is now."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        checks = [
            {
                "asset": f"bi/{t}",
                "check": "c",
                "blocking": True,
                "passed": True,
                "fingerprint": table_fingerprint(con, f"bi.{t}"),
                "run_id": "run-0",
            }
            for t in tables
        ]
    return ReleaseInputs(
        run_id="run-1",
        source_files=[],
        checks=checks,
        versions={"insight-hub": "0.1.0"},
        reporting_date=date(2025, 4, 30),
        ended_months=(date(2025, 3, 1), date(2025, 4, 1)),  # April ends on the reporting date
        audiences=with_docs(plan, warehouse),
        restricted=restricted,
    )


def make_warehouse(path, open_people=(10, None, 15)) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema bi; create table bi.kpi as select range as n from range(5)")
        con.execute(
            "create table bi.open_kpi as select unnest(?::bigint[]) as people, "
            "unnest(?::boolean[]) as people_suppressed, 1200::bigint as spend",
            [list(open_people), [p is None for p in open_people]],
        )
        con.execute(
            "create table bi.customer_360 as select sha256(range::varchar) as customer_key, "
            "range::bigint as contacts from range(4)"
        )


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path)
    return path


def tables_in(database) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}


def columns_in(database) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {r[0] for r in con.execute("select column_name from duckdb_columns()").fetchall()}


def tree(folder) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_each_audience_gets_its_own_complete_set(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", inputs(warehouse))

    # internal, at the release root as before: open and internal tables, no person key anywhere.
    assert tables_in(folder / "insight_hub.duckdb") == {"kpi", "open_kpi"}
    assert "customer_key" not in columns_in(folder / "insight_hub.duckdb")
    # open: the open tables only; restricted: the person-level tables only, DuckDB only by default.
    assert tables_in(folder / "open" / "insight_hub.duckdb") == {"open_kpi"}
    assert tables_in(folder / "restricted" / "insight_hub.duckdb") == {"customer_360"}
    assert tree(folder / "open") == {
        "insight_hub.duckdb",
        "dictionary.csv",
        "manifest.json",
        "parquet/open_kpi.parquet",
        "hyper/open_kpi.hyper",
    }
    assert tree(folder / "restricted") == {"insight_hub.duckdb", "dictionary.csv", "manifest.json"}
    internal = tree(folder) - {f"open/{p}" for p in tree(folder / "open")}
    internal -= {f"restricted/{p}" for p in tree(folder / "restricted")}
    assert internal == {
        "insight_hub.duckdb",
        "dictionary.csv",
        "manifest.json",
        *(f"parquet/{t}.parquet" for t in ("kpi", "open_kpi")),
        *(f"hyper/{t}.hyper" for t in ("kpi", "open_kpi")),
        *PACK_FILES,
    }

    manifest = json.loads((folder / "manifest.json").read_text())
    sections = manifest["audiences"]
    assert {a: sorted(s["tables"]) for a, s in sections.items()} == {
        "open": ["open_kpi"],
        "internal": ["kpi", "open_kpi"],
        "restricted": ["customer_360"],
    }
    assert {a: (s["folder"], s["formats"]) for a, s in sections.items()} == {
        "open": ("open", ["duckdb", "parquet", "hyper"]),
        "internal": (".", ["duckdb", "parquet", "hyper"]),
        "restricted": ("restricted", ["duckdb"]),
    }
    assert sections["restricted"]["access"] == {"group": None, "folder_mode": "0o700", "file_mode": "0o400"}
    assert sections["open"]["disclosure_check"] == {"passed": True, "people_count_columns": 1}
    assert {t: d["audience"] for t, d in manifest["tables"].items()} == PLAN.audiences
    # every set's copy of a table is audited: the same content, the same fingerprint, the same checks
    assert sections["open"]["tables"]["open_kpi"] == sections["internal"]["tables"]["open_kpi"]
    assert sections["restricted"]["tables"]["customer_360"]["checks_passed"] == ["c"]

    for audience in ("open", "restricted"):
        own = json.loads((folder / audience / "manifest.json").read_text())
        assert own["audience"] == audience and own["release_id"] == folder.name
        assert own["tables"] == sections[audience]["tables"]
        assert set(own["files"]) == tree(folder / audience) - {"manifest.json"}
        assert {c["asset"] for c in own["checks"]} == {f"bi/{t}" for t in sections[audience]["tables"]}


def modes(folder) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (stat.S_IMODE(p.stat().st_mode), p.stat().st_gid)
        for p in [folder, *folder.rglob("*")]
    }


def test_restricted_files_are_for_the_owner_alone_by_default(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", inputs(warehouse))
    restricted = modes(folder / "restricted")
    assert {path: mode for path, (mode, _) in restricted.items()} == {
        ".": 0o700,
        "insight_hub.duckdb": 0o400,
        "dictionary.csv": 0o400,
        "manifest.json": 0o400,
    }
    # the other sets stay readable by everyone, and read-only
    assert stat.S_IMODE((folder / "open" / "insight_hub.duckdb").stat().st_mode) & 0o444 == 0o444
    assert all(p.stat().st_mode & 0o222 == 0 for p in folder.rglob("*") if p.is_file())


def test_a_release_built_under_the_data_roots_private_umask_is_open_to_bi_readers(tmp_path, warehouse):
    """The data root's processes create files owner-only (Layout.protect: umask 077); publication
    opens published/ and the internal and open sets to BI readers, and keeps restricted closed."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        folder = build_release(warehouse, tmp_path / "published", inputs(warehouse))
    finally:
        os.umask(previous)
    for shared in (tmp_path / "published", tmp_path / "published" / "releases"):
        assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    found = {path: mode for path, (mode, _) in modes(folder).items() if path.split("/")[0] != "restricted"}
    assert {mode for path, mode in found.items() if (folder / path).is_dir()} == {0o755}
    assert {mode for path, mode in found.items() if (folder / path).is_file()} == {0o444}
    assert {path: mode for path, (mode, _) in modes(folder / "restricted").items()} == {
        ".": 0o700,
        "insight_hub.duckdb": 0o400,
        "dictionary.csv": 0o400,
        "manifest.json": 0o400,
    }


def test_restricted_files_go_to_the_configured_group_in_every_configured_format(tmp_path, warehouse):
    group = grp.getgrgid(os.getgid())
    access = RestrictedAccess.from_env(
        {"INSIGHT_HUB_RESTRICTED_GROUP": group.gr_name, "INSIGHT_HUB_RESTRICTED_FORMATS": "hyper, parquet"}
    )
    assert access.formats == ("duckdb", "parquet", "hyper")
    folder = build_release(warehouse, tmp_path / "published", inputs(warehouse, restricted=access))
    restricted = modes(folder / "restricted")
    assert set(restricted) == {
        ".",
        "insight_hub.duckdb",
        "dictionary.csv",
        "manifest.json",
        "parquet",
        "parquet/customer_360.parquet",
        "hyper",
        "hyper/customer_360.hyper",
    }
    for path, (mode, gid) in restricted.items():
        is_dir = (folder / "restricted" / path).is_dir()
        assert (mode, gid) == (0o750 if is_dir else 0o440, group.gr_gid), path
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["audiences"]["restricted"]["access"]["group"] == group.gr_name
    assert manifest["audiences"]["restricted"]["formats"] == ["duckdb", "parquet", "hyper"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to a group it is not in")
def test_restricted_files_really_change_group(tmp_path, warehouse):
    # As root the primary group is the files' group anyway: another group shows the chgrp happens.
    other = next(g for g in grp.getgrall() if g.gr_gid != os.getgid())
    access = RestrictedAccess(group=other.gr_name)
    folder = build_release(warehouse, tmp_path / "published", inputs(warehouse, restricted=access))
    assert {gid for _, gid in modes(folder / "restricted").values()} == {other.gr_gid}
    assert (folder / "insight_hub.duckdb").stat().st_gid == os.getgid()


def test_a_group_that_does_not_exist_stops_the_build_before_anything_is_written(tmp_path, warehouse):
    access = RestrictedAccess.from_env({"INSIGHT_HUB_RESTRICTED_GROUP": "no-such-group-insight-hub"})
    published = tmp_path / "published"
    with pytest.raises(AudienceError, match="'no-such-group-insight-hub': there is no such group"):
        build_release(warehouse, published, inputs(warehouse, restricted=access))
    assert not releases_dir(published).exists() or list(releases_dir(published).iterdir()) == []


def test_a_group_the_user_is_not_in_is_refused(monkeypatch):
    group = grp.getgrgid(os.getgid())
    monkeypatch.setattr(os, "geteuid", lambda: 1_000_000)  # not root, a member of no group
    monkeypatch.setattr(os, "getegid", lambda: 1_000_000)
    monkeypatch.setattr(os, "getgroups", lambda: [])
    monkeypatch.setattr("pwd.getpwuid", lambda uid: type("User", (), {"pw_name": "analyst"}))
    with pytest.raises(AudienceError, match="user analyst is not a member of that group"):
        RestrictedAccess(group=group.gr_name).gid()


def test_an_unknown_restricted_format_is_refused():
    with pytest.raises(AudienceError, match="unknown format.*csv"):
        RestrictedAccess.from_env({"INSIGHT_HUB_RESTRICTED_FORMATS": "duckdb,csv"})
    assert RestrictedAccess.from_env({}).formats == ("duckdb",)


def test_the_open_set_refuses_a_count_of_people_from_1_to_7(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path, open_people=(10, 3, 15, 7))
    published = tmp_path / "published"
    with pytest.raises(ReleaseRefused, match=r"open/open_kpi.people: 2 count\(s\) of people between 1 and 7"):
        build_release(path, published, inputs(path))
    assert list(releases_dir(published).iterdir()) == []


def test_the_open_set_refuses_an_undeclared_whole_number_column(tmp_path, warehouse):
    plan = AudiencePlan(PLAN.audiences, {"open_kpi": {"people": "people"}})  # spend says nothing
    with pytest.raises(ReleaseRefused, match="open/open_kpi.spend: a whole-number column of the open set"):
        build_release(warehouse, tmp_path / "published", inputs(warehouse, plan=plan))


@pytest.mark.parametrize("audience", ["open", "internal"])
def test_a_person_key_outside_restricted_is_refused_whatever_the_declaration(tmp_path, warehouse, audience):
    plan = AudiencePlan({**PLAN.audiences, "customer_360": audience}, PLAN.counts)
    with pytest.raises(ReleaseRefused, match=f"{audience}/customer_360.customer_key: a person key"):
        build_release(warehouse, tmp_path / "published", inputs(warehouse, plan=plan))


def test_a_table_without_an_audience_is_not_published(tmp_path, warehouse):
    plan = AudiencePlan({"kpi": "internal", "open_kpi": "open"}, PLAN.counts)
    published = tmp_path / "published"
    with pytest.raises(ReleaseRefused, match="bi/customer_360: no audience declared"):
        build_release(warehouse, published, inputs(warehouse, plan=plan))
    assert list(releases_dir(published).iterdir()) == []


def test_verify_refuses_a_restricted_file_opened_to_other_users(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", inputs(warehouse))
    (folder / "restricted" / "insight_hub.duckdb").chmod(0o404)
    with pytest.raises(ReleaseError, match=r"1 restricted path\(s\) are open to other users"):
        verify_release(folder, tmp_path / "logs")


def test_transparency_files_are_in_the_open_set(tmp_path):
    # the transparency file is an open output: written from the open set's copy, into open/
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table bi.transparency_spend_over_500 as select date '2025-03-03' as transaction_date, "
            "'1900000001' as transaction_number, 'Acme Ltd' as supplier_name, 'V1' as supplier_id, "
            "600.00::decimal(18, 2) as net_amount, 0.00::decimal(18, 2) as irrecoverable_vat, "
            "'Adults' as department, 'Care' as service_area, 'Supplies' as expense_type, "
            "null::varchar as procurement_category, 'Goods' as purpose, 'N' as card_transaction, "
            "'Oxfordshire County Council' as body_name"
        )
    plan = AudiencePlan({**PLAN.audiences, "transparency_spend_over_500": "open"}, PLAN.counts)
    folder = build_release(path, tmp_path / "published", inputs(path, plan=plan))
    assert sorted(p.name for p in (folder / "open" / "transparency").iterdir()) == [
        "spend_over_500_2025-03.csv",
        "spend_over_500_2025-04.csv",  # ended on the reporting date (30 April), as is_complete says
    ]
    assert not (folder / "transparency").exists()


def test_statutory_files_are_written_for_open_tables_only(tmp_path):
    # the same writer lays out the statutory tables of the open set (docs/statutory.md); a table the
    # plan does not put in the open set gets no public file
    path = tmp_path / "warehouse.duckdb"
    make_warehouse(path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table bi.transparency_contracts_over_5000 as select 'C1' as reference, 'Roads' as title, "
            "'Resources' as department, 'Roads' as description, 'Acme Ltd' as supplier_name, "
            "'01234567' as supplier_company_number, 9000.00::decimal(18, 2) as value, "
            "3000.00::decimal(18, 2) as annual_value, 0.00::decimal(18, 2) as irrecoverable_vat, "
            "date '2025-01-01' as start_date, date '2027-12-31' as end_date, null::date as review_date, "
            "'Open' as route, 'N' as sme, 'N' as vcse"
        )
        con.execute(
            "create table bi.payments_compliance_notice as select date '2024-10-01' as period_start, "
            "date '2025-03-31' as period_end, 'all_invoices' as scope, 2::bigint as invoices_paid, "
            "20.0 as avg_days_to_pay, 1.0 as pct_paid_1_30_days, 0.0 as pct_paid_31_60_days, "
            "0.0 as pct_paid_61_plus_days, 2::bigint as invoices_payable, "
            "0.0 as pct_payable_not_paid_in_period, 0::bigint as unknown_invoices_paid, "
            "0 as missing_source_days, true as is_complete"
        )
    plan = AudiencePlan(
        {
            **PLAN.audiences,
            "transparency_contracts_over_5000": "open",
            "payments_compliance_notice": "internal",
        },
        PLAN.counts,
    )
    folder = build_release(path, tmp_path / "published", inputs(path, plan=plan))
    # the reporting date is 30 April: the quarter January - March has ended, April - June has not
    assert [p.name for p in (folder / "open" / "transparency").iterdir()] == [
        "contracts_over_5000_2025-Q1.csv"
    ]
    manifest = json.loads((folder / "open" / "manifest.json").read_text())
    assert manifest["transparency_files"] == ["contracts_over_5000_2025-Q1.csv"]


def test_status_lists_each_audience_set_with_its_counts_and_readers(tmp_path, warehouse):
    folder = build_release(warehouse, tmp_path / "published", inputs(warehouse))
    manifest = json.loads((folder / "manifest.json").read_text())

    lines = set_lines(manifest, folder)
    assert lines[0] == "  audience sets:"
    by_set = {line.split()[0]: line for line in lines[1:]}
    assert set(by_set) == {"open", "internal", "restricted"}
    assert "1 tables" in by_set["open"] and " 3 rows" in by_set["open"]
    assert "2 tables" in by_set["internal"] and " 8 rows" in by_set["internal"]
    assert "1 tables" in by_set["restricted"] and " 4 rows" in by_set["restricted"]
    assert by_set["restricted"].endswith("readers: owner only  mode 0o700")

    # A restricted folder opened to others since the publish is shown as such.
    os.chmod(folder / "restricted", 0o755)
    widened = set_lines(manifest, folder)[-1]
    assert "mode 0o755 (published as 0o700" in widened
    # A release from before the split says so rather than failing.
    del manifest["audiences"]
    assert "none" in set_lines(manifest, folder)[0]
