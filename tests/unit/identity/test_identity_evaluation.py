"""Pairwise and cluster metrics against a hand-checked truth; refusal; intervals; errors by cause."""

from pathlib import Path

import duckdb
import pytest

import cli.main as cli
from identity import evaluation
from identity.evaluation import InsufficientOverlap, evaluate, format_report, wilson
from ingestion.layout import Layout

XREF_SQL = "create table xref (source_system varchar, source_record_id varchar, customer_key varchar)"


def _xref(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str]], table: str = "xref") -> None:
    con.execute(XREF_SQL.replace("xref", table))
    con.executemany(f"insert into {table} values (?, ?, ?)", rows)


def _truth(
    path: Path, rows: list[tuple[str, ...]], header: str = "source_system,source_record_id,person_id"
) -> Path:
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    return path


def test_metrics_of_a_small_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(evaluation, "MIN_RECORDS_SCORED", 1)
    monkeypatch.setattr(evaluation, "MIN_OVERLAP_SHARE", 0.8)  # one of seven records is anonymous
    truth = tmp_path / "persons.csv"
    truth.write_text(
        "source_system,source_record_id,person_id\n"
        "crm,C1,P1\ncrm,C2,P1\ncrm,C3,P1\ncrm,C4,P2\ncrm,C5,P2\ncrm,C6,P3\ncrm,C9,P4\n"
    )
    con = duckdb.connect()
    # P1 split over K1/K2; K3 merges P2 with P3; C7 is not in the truth (anonymous).
    con.execute(
        "create table xref as select * from (values ('crm','C1','K1'), ('crm','C2','K1'), ('crm','C3','K2'), "
        "('crm','C4','K3'), ('crm','C5','K3'), ('crm','C6','K3'), ('crm','C7','K4')) "
        "as t(source_system, source_record_id, customer_key)"
    )
    m = evaluate(con, truth, "xref")
    # true pairs: P1 3 + P2 1 = 4; predicted: K1 1 + K3 3 = 4; both: (C1,C2) and (C4,C5) = 2.
    assert (m["true_pairs"], m["predicted_pairs"], m["true_positive_pairs"]) == (4, 4, 2)
    assert m["pairwise_precision"] == m["pairwise_recall"] == m["pairwise_f1"] == pytest.approx(0.5)
    assert (m["records_scored"], m["records_resolved"], m["records_in_truth"]) == (6, 7, 7)
    assert (m["customers"], m["persons"], m["exact_customers"]) == (3, 3, 0)
    assert (m["persons_split"], m["customers_merged"], m["largest_customer"]) == (1, 1, 3)
    assert "pairwise precision:    0.5000 [" in format_report(m)
    assert "(2 of 4 predicted pairs)" in format_report(m)
    assert "errors" not in m  # an untagged truth has no causes to break errors down by


def test_refuses_a_truth_that_does_not_overlap(tmp_path: Path):
    con = duckdb.connect()
    _xref(con, [("crm", f"C{i}", f"K{i // 2}") for i in range(200)])
    wrong = _truth(tmp_path / "persons.csv", [("crm", f"X{i}", f"P{i}") for i in range(200)])
    with pytest.raises(InsufficientOverlap, match=r"only 0 of 200 resolved records \(0.0%\)"):
        evaluate(con, wrong, "xref")
    # a truth that covers only part of the resolved records is refused as well
    partial = _truth(tmp_path / "partial.csv", [("crm", f"C{i}", f"P{i // 2}") for i in range(120)])
    with pytest.raises(InsufficientOverlap, match="120 of 200"):
        evaluate(con, partial, "xref")
    # and a tiny overlap, however complete, supports no figure
    con.execute("create table tiny as select * from xref where source_record_id in ('C1', 'C2', 'C3')")
    with pytest.raises(InsufficientOverlap, match="need at least 50"):
        evaluate(con, partial, "tiny")


def test_wilson_interval_known_values():
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_bootstrap_interval_holds_the_estimate_and_narrows_with_more_data(tmp_path: Path):
    def resolution(n_persons: int) -> tuple[duckdb.DuckDBPyConnection, Path]:
        # every person has 3 records; every 10th person's third record is split off, every 7th
        # person is merged with the next one
        rows, truth = [], []
        for p in range(n_persons):
            for r in range(3):
                rid = f"R{p}_{r}"
                key = f"K{p - 1 if p % 7 == 1 else p}" + ("s" if p % 10 == 0 and r == 2 else "")
                rows.append(("crm", rid, key))
                truth.append(("crm", rid, f"P{p}"))
        con = duckdb.connect()
        _xref(con, rows)
        return con, _truth(tmp_path / f"t{n_persons}.csv", truth)

    widths = []
    for n in (100, 2000):
        con, truth = resolution(n)
        m = evaluate(con, truth, "xref")
        for name in ("pairwise_precision", "pairwise_recall", "pairwise_f1"):
            low, high = m["intervals_95"][name]
            assert low <= m[name] <= high and low < high
        widths.append(m["intervals_95"]["pairwise_recall"][1] - m["intervals_95"]["pairwise_recall"][0])
    assert widths[1] < widths[0] / 2


def test_errors_broken_down_by_recorded_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(evaluation, "MIN_RECORDS_SCORED", 1)
    header = "source_system,source_record_id,person_id,variation"
    truth = _truth(
        tmp_path / "persons.csv",
        [
            ("crm", "A1", "PA", ""),  # PA moved: its record with the new address is split off
            ("crm", "A2", "PA", "moved"),
            ("crm", "B1", "PB", ""),  # PB married: split off, and the married record has a nickname
            ("crm", "B2", "PB", "married_name;nickname"),
            ("crm", "T1", "PT1", ""),  # twins, merged
            ("crm", "T2", "PT2", ""),
            ("crm", "H1", "PH1", ""),  # a child recorded with a parent's contact details, merged
            ("crm", "H2", "PH2", "parent_contact"),
            ("crm", "S1", "PS1", ""),  # strangers merged
            ("crm", "S2", "PS2", ""),
            ("crm", "U1", "PU", ""),  # split with nothing recorded
            ("crm", "U2", "PU", ""),
        ],
        header,
    )
    (tmp_path / "residents.csv").write_text(
        "person_id,household,twin_of,shared_email,shared_landline\n"
        "PA,1,,false,false\nPB,2,,false,false\nPT1,3,PT2,false,false\nPT2,3,PT1,false,false\n"
        "PH1,4,,false,false\nPH2,4,,false,false\nPS1,5,,false,false\nPS2,6,,false,false\nPU,7,,false,false\n"
    )
    con = duckdb.connect()
    _xref(
        con,
        [
            ("crm", "A1", "KA"), ("crm", "A2", "KA2"), ("crm", "B1", "KB"), ("crm", "B2", "KB2"),
            ("crm", "T1", "KT"), ("crm", "T2", "KT"), ("crm", "H1", "KH"), ("crm", "H2", "KH"),
            ("crm", "S1", "KS"), ("crm", "S2", "KS"), ("crm", "U1", "KU"), ("crm", "U2", "KU2"),
        ],
    )  # fmt: skip
    errors = evaluate(con, truth, "xref")["errors"]
    missed = errors["missed_pairs_by_cause"]
    assert errors["missed_pairs"] == 3
    assert (missed["moved house"], missed["surname changed"], missed["nickname"]) == (1, 1, 1)
    assert (missed["phone changed"], missed["no recorded cause"]) == (0, 1)
    by_cause = errors["true_pairs_by_cause"]
    assert by_cause["moved house"] == {"pairs": 1, "missed": 1, "recall": 0.0}
    assert by_cause["phone changed"] == {"pairs": 0, "missed": 0, "recall": 1.0}
    false = errors["false_pairs_by_cause"]
    assert errors["false_pairs"] == 3
    assert (false["twins"], false["parent's contact details"], false["same household"]) == (1, 1, 2)
    assert (false["shared household email"], false["no recorded cause"]) == (0, 1)
    assert errors["twin_persons_merged"] == errors["twin_pairs_scored"] == 1
    assert "twin persons merged:   1 of 1 twin pairs" in format_report(evaluate(con, truth, "xref"))


def test_cli_refuses_to_score_a_wrong_truth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("INSIGHT_HUB_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    with duckdb.connect(str(Layout(tmp_path / "home").warehouse)) as con:
        con.execute("create schema restricted")
        _xref(con, [("crm", f"C{i}", f"K{i}") for i in range(100)], "restricted.customer_xref")
    wrong = _truth(tmp_path / "other.csv", [("crm", f"Z{i}", f"P{i}") for i in range(100)])
    assert cli.main(["evaluate-identity", "--truth", str(wrong)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "refusing to score" in err and "only 0 of 100 resolved records" in err
