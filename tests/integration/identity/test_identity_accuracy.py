"""Accuracy on a realistic world (scale 0.1, 90 days, default defects and people): the targets,
twins never merged, and movers, married names and phone changers merged, counted by cause."""

from pathlib import Path

import duckdb
import pytest
from identity_world import SALT, build_world

from identity import evaluation, resolution

pytestmark = pytest.mark.slow


def test_scale_0_1_meets_precision_recall_keeps_twins_apart_and_merges_changes(tmp_path: Path):
    home = build_world(tmp_path, scale=0.1, days=90, seed=1)
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        summary = resolution.run(con, home, SALT)
        metrics = evaluation.evaluate(con, home / "simulator_truth" / "persons.csv")
    report = evaluation.format_report(metrics)
    assert summary.records > 20000
    assert metrics["pairwise_precision"] >= 0.99, report
    assert metrics["pairwise_recall"] >= 0.95, report
    errors = metrics["errors"]
    assert errors["twin_pairs_scored"] >= 10 and errors["twin_persons_merged"] == 0, report
    by_cause = errors["true_pairs_by_cause"]
    for cause in ("moved house", "surname changed", "phone changed", "email changed"):
        assert by_cause[cause]["pairs"] >= 20, report  # the world holds such people
        assert by_cause[cause]["recall"] >= 0.8, report
