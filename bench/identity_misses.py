"""Where identity loses the true pairs it misses: the stage, the kind of records, the names.

Usage: .venv/bin/python bench/identity_misses.py [--scale 1.0] [--days 365] [--seed 101]

Runs the linkage stages of identity/linkage.py on a cached world (bench/identity.py builds it)
in a scratch DuckDB file under bench/cache/ (simulated people only), keeping the links, the
connected components, the clusters after the split rule and after attachment, and scores each
missed true pair (same simulated person, different customers) by where it was lost:
- not a candidate: no prediction blocking rule holds for the pair, and no chain of links joins them;
- below the threshold: scored, but under linkage.THRESHOLD, and not chained;
- split: one component before the split rule, apart after it (which first names were held apart).
Each missed pair also by the kinds of its two records (what they carry: a date of birth, an
address, an email, a phone, or a name only), and the name-only contacts left alone by the share
of their name that the most frequent holder has (clustering.ATTACH_SHARE). Writes counts only to
bench/results/identity_misses_<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
import time
from pathlib import Path

import duckdb
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingestion.layout import Layout  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_identity", Path(__file__).with_name("identity.py"))
bench_identity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_identity)

KIND_SQL = """
case when coalesce(dob::varchar, nhs_number, email, phone, postcode, uprn) is null then 'name only'
     when coalesce(dob::varchar, nhs_number, email, phone) is null then 'name and address'
     when coalesce(dob::varchar, nhs_number, email) is null then 'phone, no date of birth'
     when coalesce(dob::varchar, nhs_number, phone) is null then 'email, no date of birth'
     when dob is null then 'email and phone, no date of birth'
     else 'date of birth' end
"""

MISSED_SQL = f"""
create or replace table kinds as select unique_id, {KIND_SQL} as kind from d_input;
create or replace table true_pairs as
select a.unique_id as l, b.unique_id as r
from d_truth as a join d_truth as b on a.person_id = b.person_id and a.unique_id < b.unique_id
where a.unique_id in (select unique_id from d_input) and b.unique_id in (select unique_id from d_input);
create or replace table missed as
select t.l, t.r, s.match_probability,
       case when pl.cluster_id = pr.cluster_id then 'split'
            when s.match_probability is null then 'not a candidate'
            else 'below the threshold' end as stage,
       least(kl.kind, kr.kind) as kind_l, greatest(kl.kind, kr.kind) as kind_r
from true_pairs as t
join d_final as fl on fl.unique_id = t.l join d_final as fr on fr.unique_id = t.r
join d_pre as pl on pl.unique_id = t.l join d_pre as pr on pr.unique_id = t.r
join kinds as kl on kl.unique_id = t.l join kinds as kr on kr.unique_id = t.r
left join d_scored as s on s.unique_id_l = t.l and s.unique_id_r = t.r
where fl.cluster_id <> fr.cluster_id
"""

# Name-only contacts alone after attachment: the share of their name held by its top holder,
# and whether that holder is the contact's own person (what a lower ATTACH_SHARE would buy).
NAME_ONLY_SQL = """
with {candidates},
top as (
    select unique_id, arg_max(cluster_id, records) as cluster_id, max(records) / sum(records) as share
    from candidates group by 1
),
persons as (
    select c.cluster_id, t.person_id, count(*) as n
    from d_split as c join d_truth as t using (unique_id) group by all
),
sizes as (select cluster_id, sum(n) as size from persons group by 1)
select floor(top.share * 10) / 10 as share_from, count(*) as contacts,
       sum(coalesce(p.n, 0)) as true_pairs_if_attached,
       sum(sizes.size - coalesce(p.n, 0)) as false_pairs_if_attached
from top join d_truth as t using (unique_id) join sizes using (cluster_id)
left join persons as p on p.cluster_id = top.cluster_id and p.person_id = t.person_id
group by all order by 1
"""


def stages(home: Path, scratch: Path) -> dict:
    """The linkage stages of linkage.resolve on the world at `home`, kept as tables in `scratch`."""
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    from identity import clustering, linkage, records

    with duckdb.connect(str(Layout(home).warehouse), read_only=True) as src:
        records.build(src)
        table = src.sql("select * from identity_records").to_arrow_table()
    scratch.unlink(missing_ok=True)
    started = time.monotonic()
    con = duckdb.connect(str(scratch))
    linker = linkage.trained_linker(con, table)
    scored = linker.inference.predict(threshold_match_probability=0.0)
    con.register("decisions_arrow", linkage.NO_DECISIONS)
    con.execute(linkage.DECISIONS_SQL)
    con.execute(linkage.LINKS_SQL.format(scored=scored.physical_name, threshold=linkage.THRESHOLD))
    ambiguous = clustering.drop_ambiguous_twin_links(con, "identity_links")
    components = cluster_pairwise_predictions_at_threshold(
        "identity_input", "identity_links", DuckDBAPI(con), "unique_id"
    )
    con.execute(f"create temp table clusters as select unique_id, cluster_id from {components.physical_name}")
    con.execute("create table d_pre as select * from clusters")
    con.execute("create temp table identity_cannot_link as select * from identity_decisions where false")
    split = clustering.split_conflicted(con, "clusters", "identity_links")
    con.execute("create table d_split as select * from clusters")
    attached = clustering.attach_name_only(con, "clusters")
    con.execute("create table d_final as select * from clusters")
    con.execute(
        "create table d_scored as select unique_id_l, unique_id_r, match_probability"
        f" from {scored.physical_name}"
    )
    con.execute("create table d_input as select * from identity_input")
    truth = Layout(home).simulator_truth / "persons.csv"
    con.execute(
        """create table d_truth as select source_system || ':' || source_record_id as unique_id, person_id
           from read_csv(?, all_varchar = true)""",
        [str(truth)],
    )
    seconds = time.monotonic() - started
    con.execute(MISSED_SQL)

    def rows(sql: str) -> list[dict]:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    result = {
        "records": con.execute("select count(*) from d_input").fetchall()[0][0],
        "true_pairs": con.execute("select count(*) from true_pairs").fetchall()[0][0],
        "missed_pairs": con.execute("select count(*) from missed").fetchall()[0][0],
        "ambiguous_twin_records": ambiguous,
        "clusters_split": split,
        "name_only_attached": attached,
        "stages_seconds": round(seconds, 1),
        "missed_by_stage": rows("select stage, count(*) as pairs from missed group by 1 order by 2 desc"),
        "missed_by_stage_and_kinds": rows(
            """select stage, kind_l, kind_r, count(*) as pairs
               from missed group by all order by 4 desc limit 20"""
        ),
        "missed_below_threshold_probability": rows(
            """select floor(match_probability * 10) / 10 as probability_from, count(*) as pairs
               from missed where stage = 'below the threshold' group by 1 order by 1"""
        ),
        "lone_name_only_contacts_by_top_holder_share": rows(
            NAME_ONLY_SQL.format(candidates=clustering.ATTACH_CANDIDATES_SQL.format(clusters="d_split"))
        ),
    }
    con.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=101)
    args = ap.parse_args()
    home = bench_identity.world_cache(args.scale, args.days, args.seed)
    scratch = home.parent / f"identity_misses_s{args.scale}_seed{args.seed}.duckdb"
    body = stages(home, scratch)
    scratch.unlink()  # simulated people, but nothing needs it after the counts
    result = {
        "benchmark": "identity_misses",
        "run_on": dt.date.today().isoformat(),
        "args": vars(args),
        "machine": machine(),
        **body,
    }
    out = record(f"identity_misses_s{args.scale}_seed{args.seed}", result)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
