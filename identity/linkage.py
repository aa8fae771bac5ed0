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
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on

from identity import clustering

THRESHOLD = 0.95  # match probability at or above which two records are the same resident
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

# First names that may belong to one person: equal, nickname-related, close in spelling, or unknown.
FIRST_NAMES_AGREE = (
    "(first_name_l is null or first_name_r is null or list_has_any(first_name_forms_l, first_name_forms_r)"
    " or jaro_winkler_similarity(first_name_l, first_name_r) >= 0.88)"
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
            cll.ExactMatchLevel("first_name"),
            cll.ArrayIntersectLevel("first_name_forms", 1).configure(
                label_for_charts="Nickname of the same name"
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
            cl.ExactMatch("phone"),
            _nhs_comparison(),
        ],
        blocking_rules_to_generate_predictions=list(PREDICTION_BLOCKING_RULES),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


@dataclass
class Resolution:
    """The clusters (unique_id, cluster_id, match_probability) and the trained model."""

    clusters: pa.Table
    model: dict[str, Any]
    pairs_linked: int  # pairs at or above the threshold
    clusters_split: int  # clusters rebuilt because they broke a one-person rule
    name_only_attached: int  # records with only a name, attached to the customer who holds it


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


def resolve(records: pa.Table, threshold: float = THRESHOLD) -> Resolution:
    """Train the model on these records, score candidate pairs and cluster them at `threshold`.

    `match_probability` of a record is its strongest link inside its cluster, or for a record
    attached by name alone the attachment's share (clustering.py); NULL when it stands alone.
    """
    con = duckdb.connect()
    try:
        linker = trained_linker(con, records)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        components = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        links = predictions.physical_name
        con.execute(
            f"create temp table clusters as select unique_id, cluster_id from {components.physical_name}"
        )
        clusters_split = clustering.split_conflicted(con, "clusters", links)
        attached = clustering.attach_name_only(con, "clusters")
        pairs_linked = con.execute(f"select count(*) from {links}").fetchall()[0][0]
        result = con.sql(
            f"""
            with kept as (
                select p.unique_id_l, p.unique_id_r, p.match_probability
                from {links} as p
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
    finally:
        con.close()
    return Resolution(result, model, pairs_linked, clusters_split, attached)
