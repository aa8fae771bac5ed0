"""Pairwise and cluster metrics against a hand-checked truth."""

from pathlib import Path

import duckdb
import pytest

from identity.evaluation import evaluate, format_report


def test_metrics_of_a_small_resolution(tmp_path: Path):
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
    assert "pairwise precision:    0.5000 (2 of 4 predicted pairs)" in format_report(m)
