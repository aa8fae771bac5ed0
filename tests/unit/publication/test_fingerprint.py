"""The table fingerprint: the same for the same content in any order, different for any change."""

import duckdb
import pytest

from publication.fingerprint import table_fingerprint


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        "create schema bi; create table bi.t as "
        "select range as n, range % 3 as m, 'x' || range as s, null::double as d from range(1000)"
    )
    yield con
    con.close()


def fingerprint_after(con, sql: str) -> str:
    con.execute("create table bi.u as select * from bi.t")
    con.execute(sql)
    return table_fingerprint(con, "bi.u")


def test_the_same_content_in_another_order_has_the_same_fingerprint(con):
    assert fingerprint_after(con, "create or replace table bi.u as select * from bi.t order by random()") == (
        table_fingerprint(con, "bi.t")
    )


@pytest.mark.parametrize(
    "change",
    [
        "update bi.u set m = 7 where n = 500",  # one value
        "update bi.u set d = 0 where n = 1",  # NULL to a value
        "insert into bi.u select * from bi.t where n in (1, 2)",  # duplicated rows (XOR alone cancels)
        "delete from bi.u where n = 999",
        "alter table bi.u rename column m to k",  # same values under another name
        "alter table bi.u alter column n type double",
    ],
)
def test_any_change_changes_the_fingerprint(con, change):
    assert fingerprint_after(con, change) != table_fingerprint(con, "bi.t")


def test_a_table_in_an_attached_database_and_a_missing_table(con, tmp_path):
    con.execute(f"attach '{tmp_path / 'rel.duckdb'}' as rel")
    con.execute("create schema rel.bi; create table rel.bi.t as select * from bi.t")
    assert table_fingerprint(con, "rel.bi.t") == table_fingerprint(con, "bi.t")
    with pytest.raises(LookupError, match="no table bi.nothing"):
        table_fingerprint(con, "bi.nothing")
