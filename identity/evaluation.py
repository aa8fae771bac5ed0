"""How well the resolution matches the simulator's truth: pairwise and cluster-level metrics.

Pairwise: two records are a predicted pair when they share a customer_key and a true pair when
they share a person_id; precision, recall and F1 count such pairs. Cluster-level: how many
customers are exactly one true person, how many persons are split over several customers, how
many customers hold more than one person. Only records present on both sides are scored (the
truth also lists records in files that were quarantined; anonymous records have no truth).
Only the evaluation reads the truth: the platform never does.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

METRICS_SQL = """
with scored as (
    select x.customer_key, t.person_id
    from {resolved} as x
    join read_csv(?, all_varchar = true) as t using (source_system, source_record_id)
),
cells as (select customer_key, person_id, count(*) as n from scored group by all),
customers as (
    select customer_key, sum(n) as n, count(*) as persons, max(n) as largest from cells group by 1
),
persons as (select person_id, sum(n) as n, count(*) as customers from cells group by 1)
select
    (select count(*) from scored) as records_scored,
    (select count(*) from {resolved}) as records_resolved,
    (select count(*) from read_csv(?, all_varchar = true)) as records_in_truth,
    (select count(*) from customers) as customers,
    (select count(*) from persons) as persons,
    (select coalesce(sum(n * (n - 1) // 2), 0) from cells) as true_positive_pairs,
    (select coalesce(sum(n * (n - 1) // 2), 0) from customers) as predicted_pairs,
    (select coalesce(sum(n * (n - 1) // 2), 0) from persons) as true_pairs,
    (select count(*) from customers join cells using (customer_key)
     join persons using (person_id) where customers.persons = 1 and persons.customers = 1) as exact_customers,
    (select count(*) from persons where customers > 1) as persons_split,
    (select count(*) from customers where persons > 1) as customers_merged,
    (select max(n) from customers) as largest_customer
"""


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def evaluate(
    con: duckdb.DuckDBPyConnection, truth_csv: Path, resolved: str = "restricted.customer_xref"
) -> dict:
    """Metrics of `resolved` (a table with source_system, source_record_id, customer_key)."""
    row = con.execute(METRICS_SQL.format(resolved=resolved), [str(truth_csv), str(truth_csv)]).fetchall()[0]
    names = [d[0] for d in con.description]
    m = dict(zip(names, row, strict=True))
    precision = _ratio(m["true_positive_pairs"], m["predicted_pairs"])
    recall = _ratio(m["true_positive_pairs"], m["true_pairs"])
    m["pairwise_precision"] = precision
    m["pairwise_recall"] = recall
    m["pairwise_f1"] = _ratio(2 * precision * recall, precision + recall)
    m["exact_customer_rate"] = _ratio(m["exact_customers"], m["persons"])
    return m


def format_report(metrics: dict) -> str:
    """The metrics as the lines `insight-hub evaluate-identity` prints."""
    return "\n".join(
        [
            f"records scored:        {metrics['records_scored']} "
            f"(resolved {metrics['records_resolved']}, in truth {metrics['records_in_truth']})",
            f"customers / persons:   {metrics['customers']} / {metrics['persons']}",
            f"pairwise precision:    {metrics['pairwise_precision']:.4f} "
            f"({metrics['true_positive_pairs']} of {metrics['predicted_pairs']} predicted pairs)",
            f"pairwise recall:       {metrics['pairwise_recall']:.4f} "
            f"({metrics['true_positive_pairs']} of {metrics['true_pairs']} true pairs)",
            f"pairwise F1:           {metrics['pairwise_f1']:.4f}",
            f"exact customers:       {metrics['exact_customers']} "
            f"({metrics['exact_customer_rate']:.4f} of persons)",
            f"persons split:         {metrics['persons_split']}",
            f"customers merged:      {metrics['customers_merged']}",
            f"largest customer:      {metrics['largest_customer']} records",
        ]
    )
