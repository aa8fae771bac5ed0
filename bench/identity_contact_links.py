"""What the contact channels could add to identity: caller numbers and e-form accounts.

Usage: .venv/bin/python bench/identity_contact_links.py [--scale 0.1] [--days 365] [--seed 7] [--home DIR]

Most missed pairs at county scale involve a CRM contact with a name only (docs/identity.md). The
sources contract gives two links identity does not use: a phone contact's call (call_id) has the
telephony caller_number, and a signed-in e-form has an account_id. This counts, on a cached world
(bench/identity.py builds it, telephony included; --home scores another world home), how many
record pairs each link would add as candidates beyond what the records already share (the typed
phone; the e-form email), and how many of those pairs are one simulated person (the truth).
Counts only, written to bench/results/identity_contact_links_s<scale>_seed<seed>_<date>.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
from recording import machine, record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from identity import records  # noqa: E402
from ingestion.layout import Layout  # noqa: E402

TRUTH_SQL = """
create temp table truth as
select source_system || ':' || source_record_id as unique_id, person_id from read_csv(?, all_varchar = true)
"""

# Each link as rows (record, value, the record's own value of what the link would add to, whether a
# caller number differs from the number typed; an account id has no typed counterpart).
LINKS = {
    "caller_number": """
        select 'crm:' || c.contact_id as unique_id, id_phone(t.caller_number) as value, r.phone as own,
               r.phone <> id_phone(t.caller_number) as differs
        from (select distinct contact_id, call_id from raw.csc_crm_contacts where call_id is not null) as c
        join (select distinct call_id, caller_number from raw.csc_telephony_cdr) as t using (call_id)
        join identity_records as r on r.unique_id = 'crm:' || c.contact_id
    """,
    "eform_account_id": """
        select 'eforms:' || e.submission_id as unique_id, e.account_id as value, r.email as own,
               null::boolean as differs
        from (select distinct submission_id, account_id from raw.web_eforms where account_id is not null) as e
        join identity_records as r on r.unique_id = 'eforms:' || e.submission_id
    """,
}

# Pairs the link makes candidates that the records' own value does not: the caller number against
# another record's phone, two e-forms of one account with different emails.
PAIRS = {
    "caller_number": """
        select l.unique_id as a, r.unique_id as b from link as l
        join identity_records as r on r.phone = l.value and r.unique_id <> l.unique_id
        where l.own is distinct from l.value
    """,
    "eform_account_id": """
        select l.unique_id as a, r.unique_id as b from link as l
        join link as r on r.value = l.value and l.unique_id < r.unique_id
        where l.own is distinct from r.own
    """,
}


# CRM contacts that give a name only (what most missed pairs involve), by the channel they came by.
NAME_ONLY_SQL = """
select c.channel, count(*) as contacts,
       count(*) filter (where r.dob is null and r.postcode is null and r.uprn is null and r.address is null
                        and r.email is null and r.phone is null) as name_only
from (select distinct contact_id, channel from raw.csc_crm_contacts) as c
join identity_records as r on r.unique_id = 'crm:' || c.contact_id
group by c.channel order by c.channel
"""


def count(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    con.execute(f"create or replace temp table link as {LINKS[name]}")
    records_with_link, value_differs, own_missing = con.execute(
        "select count(*), count(*) filter (where differs), count(*) filter (where own is null) from link"
    ).fetchone()
    pairs, same_person = con.execute(
        f"""select count(*), count(*) filter (where ta.person_id = tb.person_id)
            from ({PAIRS[name]}) as p
            left join truth as ta on ta.unique_id = p.a left join truth as tb on tb.unique_id = p.b"""
    ).fetchone()
    differs = {"caller_number_differs_from_typed_phone": value_differs} if name == "caller_number" else {}
    return {
        "records_with_link": records_with_link,
        **differs,
        "own_value_missing": own_missing,
        "new_candidate_pairs": pairs,
        "new_candidate_pairs_same_person": same_person,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--home", type=Path, help="a world home to score instead of the cached one")
    ap.add_argument("--label", default="", help="suffix of the result name")
    args = ap.parse_args()
    if args.home is None:
        from identity_accuracy import world_cache

        args.home = world_cache(args.scale, args.days, args.seed)
    with duckdb.connect(str(Layout(args.home).warehouse), read_only=True) as con:
        records.build(con)
        con.execute(TRUTH_SQL, [str(Layout(args.home).simulator_truth / "persons.csv")])
        counts = {name: count(con, name) for name in LINKS}
        by_channel = {
            row[0]: {"contacts": row[1], "name_only": row[2]} for row in con.execute(NAME_ONLY_SQL).fetchall()
        }
    result = {
        "benchmark": "identity_contact_links",
        "args": {"scale": args.scale, "days": args.days, "seed": args.seed, "home": args.home.name},
        "machine": machine(),
        "links": counts,
        "crm_contacts_by_channel": by_channel,
    }
    label = f"_{args.label}" if args.label else ""
    print(record(f"identity_contact_links_s{args.scale}_seed{args.seed}{label}", result))


if __name__ == "__main__":
    main()
