"""Probabilistic record linkage of the person records with Splink on DuckDB.

The model (Fellegi-Sunter): u probabilities by random sampling with a fixed seed, m by
expectation maximisation over a few blocking rules, the prior from deterministic rules. Pairs
from the prediction blocking rules at or above THRESHOLD are linked, and connected components of
the links are the customers. Everything runs in a private in-memory DuckDB, so no Splink working
table with personal data ever lands in the warehouse file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on
from splink.clustering import cluster_pairwise_predictions_at_threshold

from identity import clustering, review
from identity.standardise import first_names_agree
from ingestion.layout import Layout

THRESHOLD = 0.99  # match probability at or above which two records are the same resident (chosen on seed 1)
U_SEED = 42
U_MAX_PAIRS = 5e6
# m (or u) of a level never observed in training: Splink's own value for unobserved levels.
UNOBSERVED = 1e-6
# Surnames change on marriage and divorce (about 1 in 500 people a year): a different surname
# keeps at least this m even when the training window happens to hold no such pair.
SURNAME_CHANGE_M = 1e-3

# The columns Splink needs (records.py builds more, for the golden record).
LINKAGE_COLUMNS = (
    "unique_id",
    "first_name",
    "first_name_forms",
    "first_name_key",
    "last_name",
    "dob",
    "postcode",
    "postcode_district",
    "uprn",
    "email",
    "phone",
    "nhs_number",
)

# First names that may belong to one person: equal, nickname, initial, close in spelling, or unknown.
FIRST_NAMES_AGREE = first_names_agree(
    "first_name_l", "first_name_r", "first_name_forms_l", "first_name_forms_r"
)

# Candidate pairs: any of these agreeing. Each is selective enough to keep blocks small.
PREDICTION_BLOCKING_RULES = (
    block_on("email"),
    block_on("phone"),
    block_on("nhs_number"),
    block_on("uprn", "first_name_key"),
    block_on("uprn", "last_name"),
    block_on("postcode", "first_name_key"),
    block_on("postcode", "last_name"),
    block_on("dob", "last_name"),
    block_on("dob", "first_name_key"),
)

# m by EM: each session estimates the comparisons its blocking rule does not use.
EM_BLOCKING_RULES = (
    block_on("phone"),
    block_on("first_name", "last_name", "dob"),
)

# Deterministic rules for the prior (probability that two random records match).
PRIOR_RULES = (
    block_on("first_name", "last_name", "dob"),
    block_on("first_name", "last_name", "email"),
    block_on("first_name", "last_name", "phone"),
)
PRIOR_RULES_RECALL = 0.7


def _dob_comparison() -> cl.CustomComparison:
    """Exact dates split by whether the first names agree: twins share a birth date, not a name."""
    swapped = "year(dob_l) = year(dob_r) and month(dob_l) = day(dob_r) and day(dob_l) = month(dob_r)"
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.CustomLevel(f"dob_l = dob_r and {FIRST_NAMES_AGREE}").configure(
                label_for_charts="Same date, same name"
            ),
            cll.ExactMatchLevel("dob").configure(label_for_charts="Same date, other first name"),
            cll.CustomLevel(swapped, label_for_charts="Day and month swapped"),
            cll.LevenshteinLevel(ColumnExpression("dob").cast_to_string(), 1).configure(
                label_for_charts="One character different"
            ),
            cll.ElseLevel(),
        ],
    )


def _address_comparison() -> cl.CustomComparison:
    """UPRN and postcode as one comparison: they are the same fact (where the person lives)."""
    unknown = "(uprn_l is null or uprn_r is null) and (postcode_l is null or postcode_r is null)"
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.CustomLevel(unknown, label_for_charts="Address unknown").configure(is_null_level=True),
            cll.ExactMatchLevel("uprn").configure(label_for_charts="Same UPRN"),
            cll.CustomLevel(
                "postcode_l = postcode_r and (uprn_l is null or uprn_r is null)",
                label_for_charts="Same postcode, UPRN unknown",
            ),
            cll.ExactMatchLevel("postcode_district").configure(label_for_charts="Same postcode district"),
            cll.ElseLevel(),
        ],
    )


def _first_name_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name", term_frequency_adjustments=True),
            cll.ArrayIntersectLevel("first_name_forms", 1).configure(
                label_for_charts="Nickname of the same name"
            ),
            cll.CustomLevel(
                "(length(first_name_l) = 1 and starts_with(first_name_r, first_name_l))"
                " or (length(first_name_r) = 1 and starts_with(first_name_l, first_name_r))",
                label_for_charts="Initial of the name",
            ),
            cll.JaroWinklerLevel("first_name", 0.92),
            cll.ElseLevel(),
        ],
    )


def _nhs_comparison() -> cl.CustomComparison:
    """Only adult social care holds NHS numbers, so the data cannot estimate m and u: they are set.

    A shared NHS number is near-certain (u = 1e-8); a different one is strong evidence against
    (m = 0.01 allows for keying errors).
    """
    return cl.CustomComparison(
        output_column_name="nhs_number",
        comparison_levels=[
            cll.NullLevel("nhs_number"),
            cll.ExactMatchLevel("nhs_number").configure(
                m_probability=0.99, u_probability=1e-8, fix_m_probability=True, fix_u_probability=True
            ),
            cll.ElseLevel().configure(
                m_probability=0.01, u_probability=1.0, fix_m_probability=True, fix_u_probability=True
            ),
        ],
    )


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            _first_name_comparison(),
            cl.JaroWinklerAtThresholds("last_name", [0.92]).configure(term_frequency_adjustments=True),
            _dob_comparison(),
            _address_comparison(),
            cl.ExactMatch("email").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            _nhs_comparison(),
        ],
        blocking_rules_to_generate_predictions=list(PREDICTION_BLOCKING_RULES),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


@dataclass
class Resolution:
    """The clusters (unique_id, cluster_id, match_probability), the trained model, the review queue."""

    clusters: pa.Table
    model: dict[str, Any]
    review: pa.Table  # pairs in the uncertain band (review.py), with any decision in force
    pairs_linked: int  # pairs linked: at or above the threshold, or matched by a reviewer
    clusters_split: int  # clusters rebuilt because they broke a one-person rule
    name_only_attached: int  # records with only a name, attached to the customer who holds it
    decisions_applied: int  # reviewers' decisions in force whose two records are both present
    ambiguous_twin_records: int  # records that could be either of two twins, left unlinked


def _complete(model: dict[str, Any]) -> dict[str, Any]:
    """Give every level an explicit m and u: a level never seen in training gets UNOBSERVED.

    Splink would otherwise fall back to its generic starting values (a disagreement on phone
    would then count only -4 bits), and the saved model would not be the model that was used.
    A different surname keeps an m of at least SURNAME_CHANGE_M.
    """
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        for level in levels:
            if not level.get("is_null_level"):
                for key in ("m_probability", "u_probability"):
                    if not isinstance(level.get(key), float | int):
                        level[key] = UNOBSERVED
        if comparison["output_column_name"] == "last_name":
            levels[-1]["m_probability"] = max(levels[-1]["m_probability"], SURNAME_CHANGE_M)
    return model


def trained_linker(con: duckdb.DuckDBPyConnection, records: pa.Table) -> Linker:
    """A linker on `records` in the DuckDB `con`, with u, m and the prior estimated from them."""
    db = DuckDBAPI(con)
    table = db.register(records.select(list(LINKAGE_COLUMNS)), table_name="identity_input")
    linker = Linker(table, settings(), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        list(PRIOR_RULES), recall=PRIOR_RULES_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    for rule in EM_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    model = _complete(linker.misc.save_model_to_json())
    return Linker(table, model, log_level=logging.ERROR)


# Reviewers' decisions in force on pairs whose two records are both present.
DECISIONS_SQL = """
create or replace temp table identity_decisions as
select d.unique_id_l, d.unique_id_r, d.decision
from decisions_arrow as d
where d.unique_id_l in (select unique_id from identity_input)
  and d.unique_id_r in (select unique_id from identity_input)
"""

# The links: the model's at the threshold, less the pairs reviewers said are not a match, plus
# the pairs they said are (weight infinity: clustering keeps them whatever its rules say).
LINKS_SQL = """
create or replace temp table identity_links as
select p.unique_id_l, p.unique_id_r, p.match_weight, p.match_probability
from {scored} as p
left join identity_decisions as d using (unique_id_l, unique_id_r)
where p.match_probability >= {threshold} and d.decision is distinct from 'no_match'
union all
select unique_id_l, unique_id_r, 'infinity'::double, 1.0
from identity_decisions where decision = 'match'
"""

REVIEW_SQL = """
select p.unique_id_l, p.unique_id_r, p.match_probability, p.match_weight,
       p.match_probability >= {threshold} as model_linked, d.decision
from {scored} as p
left join identity_decisions as d using (unique_id_l, unique_id_r)
where p.match_probability >= {low} and p.match_probability < {high}
order by p.unique_id_l, p.unique_id_r
"""

NO_DECISIONS = pa.table(
    {
        "unique_id_l": pa.array([], pa.string()),
        "unique_id_r": pa.array([], pa.string()),
        "decision": pa.array([], pa.string()),
    }
)


def resolve(
    records: pa.Table,
    threshold: float = THRESHOLD,
    decisions: pa.Table | None = None,
    dashboards: Path | None = None,
) -> Resolution:
    """Train the model on these records, score candidate pairs and cluster them at `threshold`.

    `decisions` (unique_id_l, unique_id_r, decision) are reviewers' decisions in force: they
    override the model (review.py). With `dashboards`, Splink's comparison viewer and cluster
    studio for the review queue are written into that (restricted) folder.

    `match_probability` of a record is its strongest link inside its cluster, or for a record
    attached by name alone the attachment's share (clustering.py); NULL when it stands alone.
    """
    con = duckdb.connect()
    try:
        linker = trained_linker(con, records)
        scored = linker.inference.predict(threshold_match_probability=min(threshold, review.REVIEW_LOW))
        con.register("decisions_arrow", decisions if decisions is not None else NO_DECISIONS)
        con.execute(DECISIONS_SQL)
        con.unregister("decisions_arrow")
        con.execute(LINKS_SQL.format(scored=scored.physical_name, threshold=threshold))
        ambiguous = clustering.drop_ambiguous_twin_links(con, "identity_links")
        components = cluster_pairwise_predictions_at_threshold(
            "identity_input", "identity_links", DuckDBAPI(con), "unique_id"
        )
        con.execute(
            f"create temp table clusters as select unique_id, cluster_id from {components.physical_name}"
        )
        con.execute(
            """create temp table identity_cannot_link as
               select unique_id_l, unique_id_r from identity_decisions where decision = 'no_match'"""
        )
        clusters_split = clustering.split_conflicted(con, "clusters", "identity_links")
        attached = clustering.attach_name_only(con, "clusters")
        pairs_linked = con.execute("select count(*) from identity_links").fetchall()[0][0]
        queue = con.sql(
            REVIEW_SQL.format(
                scored=scored.physical_name,
                threshold=threshold,
                low=review.REVIEW_LOW,
                high=review.REVIEW_HIGH,
            )
        ).to_arrow_table()
        result = con.sql(
            """
            with kept as (
                select p.unique_id_l, p.unique_id_r, p.match_probability
                from identity_links as p
                join clusters as cl on cl.unique_id = p.unique_id_l
                join clusters as cr on cr.unique_id = p.unique_id_r and cr.cluster_id = cl.cluster_id
            ),
            ends as (
                select unique_id_l as unique_id, match_probability from kept
                union all
                select unique_id_r, match_probability from kept
                union all
                select unique_id, share from name_only_attached
            )
            select c.unique_id, c.cluster_id, max(ends.match_probability) as match_probability
            from clusters as c left join ends using (unique_id)
            group by all order by c.unique_id
            """
        ).to_arrow_table()
        model = linker.misc.save_model_to_json()
        applied = con.execute("select count(*) from identity_decisions").fetchall()[0][0]
        if dashboards is not None:
            for stale in dashboards.glob("*.html"):
                stale.unlink()
            if queue.num_rows:
                review_dashboards(con, linker, queue, dashboards)
    finally:
        con.close()
    return Resolution(result, model, queue, pairs_linked, clusters_split, attached, applied, ambiguous)


# Columns whose exact levels are term-frequency adjusted (their lookups come from all records).
TF_COLUMNS = ("first_name", "last_name", "email", "phone")
DASHBOARD_PAIRS = 2000  # the comparison viewer shows examples of each comparison pattern anyway


def review_dashboards(con: duckdb.DuckDBPyConnection, linker: Linker, queue: pa.Table, folder: Path) -> None:
    """Splink's comparison viewer and cluster studio for the pairs of the review queue (offline HTML).

    A second linker with the same parameters keeps the comparison columns the dashboards show,
    over the queue's records only (with the term frequencies of all records).
    """
    Layout.private_folder(folder)  # the dashboards show residents' details
    con.register("queue_arrow", queue.slice(0, DASHBOARD_PAIRS))
    con.execute(
        "create or replace temp table review_pairs as select unique_id_l, unique_id_r from queue_arrow"
    )
    con.unregister("queue_arrow")
    subset = con.sql(
        """select * from identity_input where unique_id in
           (select unique_id_l from review_pairs union select unique_id_r from review_pairs)"""
    ).to_arrow_table()
    model = linker.misc.save_model_to_json()
    model["retain_matching_columns"] = True
    model["retain_intermediate_calculation_columns"] = True
    db = DuckDBAPI(con)
    viewer = Linker(db.register(subset, table_name="review_input"), model, log_level=logging.ERROR)
    for column in TF_COLUMNS:
        lookup = con.sql(
            f"""select {column}, count(*) / sum(count(*)) over () as tf_{column}
                from identity_input where {column} is not null group by all"""
        ).to_arrow_table()
        viewer.table_management.register_term_frequency_lookup(
            db.register(lookup, table_name=f"review_tf_{column}"), column
        )
    # Splink's dashboards take its own tables: keep the queue's pairs in its predictions, and
    # give its clusters the run's final cluster ids.
    pairs = viewer.inference.predict()
    con.execute(
        f"""delete from {pairs.physical_name} as p
            where not exists (select 1 from review_pairs as q
                              where q.unique_id_l = p.unique_id_l and q.unique_id_r = p.unique_id_r)"""
    )
    viewer.visualisations.comparison_viewer_dashboard(
        pairs, str(folder / "comparison_viewer.html"), overwrite=True
    )
    clustered = viewer.clustering.cluster_pairwise_predictions_at_threshold(pairs, 0.0)
    con.execute(
        f"""update {clustered.physical_name} as c set cluster_id = f.cluster_id
            from clusters as f where f.unique_id = c.unique_id"""
    )
    viewer.visualisations.cluster_studio_dashboard(
        pairs,
        clustered,
        str(folder / "cluster_studio.html"),
        sampling_method="by_cluster_size",
        sample_size=50,
        overwrite=True,
    )
