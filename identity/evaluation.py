"""How well the resolution matches the simulator's truth: pairwise and cluster metrics, honestly.

Pairwise: two records are a predicted pair when they share a customer_key and a true pair when
they share a person_id; precision, recall and F1 count such pairs. Cluster-level: how many
customers are exactly one true person, how many persons are split over several customers, how
many customers hold more than one person. Only records present on both sides are scored (the
truth also lists records in files that were quarantined; anonymous records have no truth).

The evaluation refuses to score (InsufficientOverlap) when too few resolved records appear in
the truth: a wrong --truth file would otherwise score nothing and print perfect ratios.

Uncertainty:
- pairwise precision, recall, F1: 95 % percentile bootstrap over *blocks*, the connected
  components of the graph joining each customer to the persons its records belong to. Every
  pair (predicted or true) lies inside one block, so resampling blocks keeps the dependence
  between pairs of one person; BOOTSTRAP_SAMPLES resamples with a fixed seed.
- cluster rates (exact customers, persons split, customers merged): 95 % Wilson score intervals.

Errors by cause (when the truth carries the simulator's variation tags and residents.csv):
- missed pairs (same person, different customers) by what differs between the two records:
  the person moved, changed surname, phone or email, or one record carries a nickname, an
  initial, a typo, a transposed date of birth, a parent's contact details;
- false pairs (different persons, one customer) by how the two persons are related: twins,
  a shared household email or landline, a child recorded with a parent's details, the same
  household, or not related.
A pair may have several causes; "no recorded cause" counts pairs with none.
Only the evaluation reads the truth: the platform never does.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np

MIN_RECORDS_SCORED = 50  # fewer scored records than this cannot support any figure
MIN_OVERLAP_SHARE = 0.9  # share of the resolved records that must appear in the truth
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20250401
Z95 = 1.959963984540054

# Record-level tags (persons.csv `variation`) whose difference between two records of one
# person explains a missed pair: the record carries the later of two values.
CHANGE_TAGS = {
    "moved": "moved house",
    "married_name": "surname changed",
    "new_phone": "phone changed",
    "new_email": "email changed",
}
# Record-level tags that explain a missed pair when either record carries them.
QUIRK_TAGS = {
    "nickname": "nickname",
    "initial": "initial for first name",
    "typo": "typo in surname",
    "dob_swapped": "day and month of birth transposed",
    "parent_contact": "parent's contact details",
}
# Relations between two persons that explain a false pair (residents.csv).
RELATION_CAUSES = (
    ("twins", "a.twin_of = b.person_id or b.twin_of = a.person_id"),
    (
        "shared household email",
        "a.household = b.household and a.shared_email = 'true' and b.shared_email = 'true'",
    ),
    (
        "shared landline",
        "a.household = b.household and a.shared_landline = 'true' and b.shared_landline = 'true'",
    ),
    ("parent's contact details", "a.household = b.household and (f.parent_contact_a or f.parent_contact_b)"),
    ("same household", "a.household = b.household"),
)


class InsufficientOverlap(ValueError):
    """The resolved records and the truth hardly overlap: any score would be meaningless."""


SCORED_SQL = """
create or replace temp table eval_scored as
select x.source_system, x.source_record_id, x.customer_key, t.person_id, {variation} as variation
from {resolved} as x
join read_csv(?, all_varchar = true) as t using (source_system, source_record_id)
"""

METRICS_SQL = """
with cells as (select customer_key, person_id, count(*) as n from eval_scored group by all),
customers as (
    select customer_key, sum(n) as n, count(*) as persons, max(n) as largest from cells group by 1
),
persons as (select person_id, sum(n) as n, count(*) as customers from cells group by 1)
select
    (select count(*) from eval_scored) as records_scored,
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

# Per cell (customer, person): record count, and the pairs it adds to each side.
CELLS_SQL = """
select customer_key, person_id, count(*) as n from eval_scored group by all order by all
"""

TRUE_PAIRS_SQL = """
create or replace temp table eval_true_pairs as
select a.variation as va, b.variation as vb, a.customer_key = b.customer_key as linked
from eval_scored as a join eval_scored as b
  on a.person_id = b.person_id
 and a.source_system || ':' || a.source_record_id < b.source_system || ':' || b.source_record_id
"""

FALSE_PAIRS_SQL = """
create or replace temp table eval_false as
select a.person_id as pa, b.person_id as pb,
       list_contains(a.variation, 'parent_contact') as parent_contact_a,
       list_contains(b.variation, 'parent_contact') as parent_contact_b
from eval_scored as a join eval_scored as b
  on a.customer_key = b.customer_key and a.person_id < b.person_id
"""


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (sound near 0 and 1, unlike the normal one)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + Z95**2 / trials
    centre = (p + Z95**2 / (2 * trials)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / trials + Z95**2 / (4 * trials**2)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def _blocks(cells: list[tuple[str, str, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per block (connected customers and persons): true-positive, predicted and true pairs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for customer, person, _ in cells:
        a, b = find("c" + customer), find("p" + person)
        if a != b:
            parent[a] = b
    index: dict[str, int] = {}
    block = np.array([index.setdefault(find("c" + c), len(index)) for c, _, _ in cells], dtype=np.int64)
    n = np.array([k for _, _, k in cells], dtype=np.int64)
    k = len(index)
    tp = np.bincount(block, weights=n * (n - 1) // 2, minlength=k)

    def pairs_by_block(members: list[str]) -> np.ndarray:
        """Pairs inside each customer (or person), summed by the block it lies in."""
        _, first, inverse = np.unique(np.array(members, dtype=object), return_index=True, return_inverse=True)
        size = np.bincount(inverse, weights=n)
        return np.bincount(block[first], weights=size * (size - 1) / 2, minlength=k)

    predicted = pairs_by_block([c for c, _, _ in cells])
    true = pairs_by_block([p for _, p, _ in cells])
    return tp, predicted, true


def pairwise_intervals(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, float]]:
    """95 % bootstrap intervals of pairwise precision, recall and F1, resampling blocks."""
    tp, predicted, true = _blocks(con.execute(CELLS_SQL).fetchall())
    k = len(tp)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    samples = np.empty((BOOTSTRAP_SAMPLES, 3))
    for i in range(BOOTSTRAP_SAMPLES):
        pick = rng.integers(0, k, k)
        t, p, r = tp[pick].sum(), predicted[pick].sum(), true[pick].sum()
        precision = t / p if p else 1.0
        recall = t / r if r else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        samples[i] = (precision, recall, f1)
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    names = ("pairwise_precision", "pairwise_recall", "pairwise_f1")
    return {name: (float(lo), float(hi)) for name, lo, hi in zip(names, low, high, strict=True)}


def _columns(con: duckdb.DuckDBPyConnection, csv: Path) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "describe select * from read_csv(?, all_varchar = true)", [str(csv)]
        ).fetchall()
    }


def error_causes(con: duckdb.DuckDBPyConnection, residents_csv: Path | None) -> dict:
    """Missed and false pairs by cause (see the module docstring); needs tagged truth.

    For each cause of a missed pair also the true pairs it affects and the share of them linked
    (recall by cause: how many movers, name changers, phone changers were merged).
    """
    con.execute(TRUE_PAIRS_SQL)
    missed_total = con.execute("select count(*) filter (where not linked) from eval_true_pairs").fetchall()[
        0
    ][0]
    conditions = {
        label: f"list_contains(va, '{tag}') <> list_contains(vb, '{tag}')"
        for tag, label in CHANGE_TAGS.items()
    }
    conditions |= {
        label: f"(list_contains(va, '{tag}') or list_contains(vb, '{tag}'))"
        for tag, label in QUIRK_TAGS.items()
    }
    conditions["no recorded cause"] = f"not ({' or '.join(conditions.values())})"
    missed: dict[str, int] = {}
    by_cause: dict[str, dict] = {}
    for label, condition in conditions.items():
        pairs, not_linked = con.execute(
            f"select count(*), count(*) filter (where not linked) from eval_true_pairs where {condition}"
        ).fetchall()[0]
        missed[label] = not_linked
        by_cause[label] = {
            "pairs": pairs,
            "missed": not_linked,
            "recall": round(_ratio(pairs - not_linked, pairs), 4),
        }
    out: dict = {
        "missed_pairs": missed_total,
        "missed_pairs_by_cause": missed,
        "true_pairs_by_cause": by_cause,
    }
    if residents_csv is None or not residents_csv.exists():
        return out
    con.execute(FALSE_PAIRS_SQL)
    relations = """
        from eval_false as f
        join (select * from read_csv(?, all_varchar = true)) as a on a.person_id = f.pa
        join (select * from read_csv(?, all_varchar = true)) as b on b.person_id = f.pb
    """
    args = [str(residents_csv), str(residents_csv)]
    false: dict[str, int] = {}
    for label, condition in RELATION_CAUSES:
        false[label] = con.execute(f"select count(*) {relations} where {condition}", args).fetchall()[0][0]
    any_relation = " or ".join(f"({c})" for _, c in RELATION_CAUSES)
    false["no recorded cause"] = con.execute(
        f"select count(*) {relations} where not coalesce({any_relation}, false)", args
    ).fetchall()[0][0]
    out["false_pairs"] = con.execute("select count(*) from eval_false").fetchall()[0][0]
    out["false_pairs_by_cause"] = false
    out["twin_pairs_scored"] = con.execute(
        """select count(*) from read_csv(?, all_varchar = true) as t
           where t.twin_of <> '' and t.person_id < t.twin_of
             and t.person_id in (select person_id from eval_scored)
             and t.twin_of in (select person_id from eval_scored)""",
        [str(residents_csv)],
    ).fetchall()[0][0]
    out["twin_persons_merged"] = con.execute(
        f"select count(distinct (pa, pb)) {relations} where {RELATION_CAUSES[0][1]}", args
    ).fetchall()[0][0]
    return out


def evaluate(
    con: duckdb.DuckDBPyConnection, truth_csv: Path, resolved: str = "restricted.customer_xref"
) -> dict:
    """Metrics of `resolved` (a table with source_system, source_record_id, customer_key).

    Raises InsufficientOverlap when fewer than MIN_RECORDS_SCORED records, or less than
    MIN_OVERLAP_SHARE of the resolved records, appear in the truth.
    """
    tagged = "variation" in _columns(con, truth_csv)
    split_tags = "coalesce(string_split(nullif(t.variation, ''), ';'), []::varchar[])"
    variation = split_tags if tagged else "[]::varchar[]"
    con.execute(SCORED_SQL.format(resolved=resolved, variation=variation), [str(truth_csv)])
    row = con.execute(METRICS_SQL.format(resolved=resolved), [str(truth_csv)]).fetchall()[0]
    names = [d[0] for d in con.description]
    m = dict(zip(names, row, strict=True))
    share = m["records_scored"] / m["records_resolved"] if m["records_resolved"] else 0.0
    if m["records_scored"] < MIN_RECORDS_SCORED or share < MIN_OVERLAP_SHARE:
        raise InsufficientOverlap(
            f"only {m['records_scored']} of {m['records_resolved']} resolved records ({share:.1%}) appear "
            f"in the truth {truth_csv} (need at least {MIN_RECORDS_SCORED} and {MIN_OVERLAP_SHARE:.0%}): "
            "is it the truth of this warehouse's world?"
        )
    m["overlap_share"] = share
    precision = _ratio(m["true_positive_pairs"], m["predicted_pairs"])
    recall = _ratio(m["true_positive_pairs"], m["true_pairs"])
    m["pairwise_precision"] = precision
    m["pairwise_recall"] = recall
    m["pairwise_f1"] = _ratio(2 * precision * recall, precision + recall)
    m["exact_customer_rate"] = _ratio(m["exact_customers"], m["persons"])
    m["persons_split_rate"] = _ratio(m["persons_split"], m["persons"])
    m["customers_merged_rate"] = _ratio(m["customers_merged"], m["customers"])
    intervals = pairwise_intervals(con)
    intervals["exact_customer_rate"] = wilson(m["exact_customers"], m["persons"])
    intervals["persons_split_rate"] = wilson(m["persons_split"], m["persons"])
    intervals["customers_merged_rate"] = wilson(m["customers_merged"], m["customers"])
    m["intervals_95"] = {k: [round(lo, 6), round(hi, 6)] for k, (lo, hi) in intervals.items()}
    m["interval_methods"] = {
        "pairwise": f"percentile bootstrap over customer-person blocks, {BOOTSTRAP_SAMPLES} resamples",
        "cluster rates": "Wilson score",
    }
    if tagged:
        m["errors"] = error_causes(con, truth_csv.with_name("residents.csv"))
    return m


def _ci(metrics: dict, name: str) -> str:
    low, high = metrics["intervals_95"][name]
    return f"[{low:.4f}, {high:.4f}]"


def format_report(metrics: dict) -> str:
    """The metrics as the lines `insight-hub evaluate-identity` prints (95 % intervals in brackets)."""
    lines = [
        f"records scored:        {metrics['records_scored']} "
        f"(resolved {metrics['records_resolved']}, in truth {metrics['records_in_truth']})",
        f"customers / persons:   {metrics['customers']} / {metrics['persons']}",
        f"pairwise precision:    {metrics['pairwise_precision']:.4f} {_ci(metrics, 'pairwise_precision')} "
        f"({metrics['true_positive_pairs']} of {metrics['predicted_pairs']} predicted pairs)",
        f"pairwise recall:       {metrics['pairwise_recall']:.4f} {_ci(metrics, 'pairwise_recall')} "
        f"({metrics['true_positive_pairs']} of {metrics['true_pairs']} true pairs)",
        f"pairwise F1:           {metrics['pairwise_f1']:.4f} {_ci(metrics, 'pairwise_f1')}",
        f"exact customers:       {metrics['exact_customers']} "
        f"({metrics['exact_customer_rate']:.4f} {_ci(metrics, 'exact_customer_rate')} of persons)",
        f"persons split:         {metrics['persons_split']} "
        f"({metrics['persons_split_rate']:.4f} {_ci(metrics, 'persons_split_rate')})",
        f"customers merged:      {metrics['customers_merged']} "
        f"({metrics['customers_merged_rate']:.4f} {_ci(metrics, 'customers_merged_rate')})",
        f"largest customer:      {metrics['largest_customer']} records",
        "intervals (95 %):      " + "; ".join(f"{k}: {v}" for k, v in metrics["interval_methods"].items()),
    ]
    errors = metrics.get("errors")
    if errors:
        lines.append(
            f"missed pairs by cause: {errors['missed_pairs']} missed (a pair may have several causes); "
            "per cause: missed of the true pairs it affects, and their recall"
        )
        lines += [
            f"  {label:<36} {c['missed']} of {c['pairs']} ({c['recall']:.4f})"
            for label, c in errors["true_pairs_by_cause"].items()
        ]
        if "false_pairs" in errors:
            lines.append(
                f"false pairs by cause:  {errors['false_pairs']} false (a pair may have several causes)"
            )
            lines += [f"  {label:<36} {count}" for label, count in errors["false_pairs_by_cause"].items()]
            lines.append(
                f"twin persons merged:   {errors['twin_persons_merged']} "
                f"of {errors['twin_pairs_scored']} twin pairs"
            )
    return "\n".join(lines)
