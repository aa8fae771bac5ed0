"""From linked pairs to customers: connected components, repaired by two cluster-level rules.

0. Ambiguous twins: a record with an unknown first name or an initial, under the surname and
   date of birth of two residents whose first names cannot be one person's (twins), could be
   either of them: its links are dropped before the components are built.

1. Split: connected components chain records together. One record without a date of birth that
   looks like both a mother and her daughter of the same name joins them into one cluster, and
   household members who share an email, a landline or (for a child at school) a parent's
   contact details look alike on everything but their first name. So a cluster must obey what
   holds for one person:
   - one date of birth (a date and its day/month swap count as one),
   - one NHS number,
   - at most one record from each service's person index (those indexes hold a person once),
   - first names that agree pairwise (standardise.first_names_agree: equal, nickname, initial,
     close spelling, or unknown): a different first name is a different person,
   - no pair a reviewer recorded as "no match" (review.py).
   A cluster that breaks a rule is rebuilt from its own links, strongest first (match weight,
   ties by record ids): a link is kept only if the two groups it joins obey the rules together.

2. Attach: a contact that gives a name and nothing else (no date of birth, address, email,
   phone) cannot be linked pairwise: several residents share most names. It is attached to the
   customer holding that name (same surname, same first name or nickname) who made at least
   ATTACH_SHARE of the contacts under that name, and at least ATTACH_MIN_CONTACTS of them: a
   contact under a name most likely comes from the resident who contacts the council under it.

The functions work on a DuckDB connection holding Splink's input table `identity_input` and a
clusters table (unique_id, cluster_id) that they update in place.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from identity.records import PERSON_INDEX_SYSTEMS
from identity.standardise import first_names_agree

ATTACH_SHARE = 0.8
ATTACH_MIN_RECORDS = 1


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Pairs of records in one cluster that cannot be one person: first names that disagree, or a
# reviewer's "no match" (table identity_cannot_link, unique_id_l < unique_id_r).
CANNOT_LINK_SQL = f"""
create or replace temp table cluster_cannot_link as
select a.cluster_id, a.unique_id as unique_id_l, b.unique_id as unique_id_r
from (select * from {{clusters}} join identity_input using (unique_id)) as a
join (select * from {{clusters}} join identity_input using (unique_id)) as b
  on a.cluster_id = b.cluster_id and a.unique_id < b.unique_id
where not {first_names_agree("a.first_name", "b.first_name", "a.first_name_forms", "b.first_name_forms")}
union
select cl.cluster_id, n.unique_id_l, n.unique_id_r
from identity_cannot_link as n
join {{clusters}} as cl on cl.unique_id = n.unique_id_l
join {{clusters}} as cr on cr.unique_id = n.unique_id_r and cr.cluster_id = cl.cluster_id
"""

CONFLICTED_SQL = f"""
select c.cluster_id
from {{clusters}} as c join identity_input as i using (unique_id)
group by c.cluster_id
having c.cluster_id in (select cluster_id from cluster_cannot_link)
    or count(distinct [year(i.dob), least(month(i.dob), day(i.dob)), greatest(month(i.dob), day(i.dob))])
           filter (where i.dob is not null) > 1
    or count(distinct i.nhs_number) > 1
    or count(*) filter (where split_part(c.unique_id, ':', 1) in ({_sql_list(PERSON_INDEX_SYSTEMS)}))
       > count(distinct split_part(c.unique_id, ':', 1))
             filter (where split_part(c.unique_id, ':', 1) in ({_sql_list(PERSON_INDEX_SYSTEMS)}))
"""

# Lone weak records and, for each, the clusters holding records under its name (their count).
ATTACH_CANDIDATES_SQL = """
named as (
    select c.unique_id, c.cluster_id, i.first_name_key, i.last_name,
           count(*) over (partition by c.cluster_id) = 1
               and coalesce(i.dob::varchar, i.nhs_number, i.email, i.phone) is null as weak
    from {clusters} as c join identity_input as i using (unique_id)
    where i.first_name_key is not null and i.last_name is not null
),
candidates as (
    select lone.unique_id, holder.cluster_id, count(*) as records
    from named as lone
    join named as holder
      on holder.last_name = lone.last_name and holder.first_name_key = lone.first_name_key
     and not holder.weak
    where lone.weak
    group by all
)
"""

ATTACH_SQL = f"""
create or replace temp table name_only_attached as
with {ATTACH_CANDIDATES_SQL}
select unique_id, arg_max(cluster_id, records) as cluster_id, max(records) / sum(records) as share
from candidates
group by unique_id
having max(records) >= {ATTACH_MIN_RECORDS} and max(records) / sum(records) >= {ATTACH_SHARE}
"""


# Records that could be either of two residents born the same day under one surname with first
# names that cannot be one person's (twins: Julie and James Smith, 3 Nov 2016): a record of that
# surname and date whose first name is unknown, or an initial both names start with ("J Smith").
# Its name cannot say which twin it is, and everything else (date, address, family email) they
# share, so it is linked to neither: its links are dropped (a reviewer's match still holds).
AMBIGUOUS_TWIN_SQL = f"""
create or replace temp table ambiguous_twin_records as
with full_names as (
    select distinct last_name, dob, first_name, first_name_forms
    from identity_input
    where length(first_name) > 1 and dob is not null and last_name is not null
),
apart as (
    select a.last_name, a.dob, a.first_name as name_a, b.first_name as name_b
    from full_names as a
    join full_names as b on a.last_name = b.last_name and a.dob = b.dob and a.first_name < b.first_name
    where not {first_names_agree("a.first_name", "b.first_name", "a.first_name_forms", "b.first_name_forms")}
)
select distinct x.unique_id
from identity_input as x
join apart as t on x.last_name = t.last_name and x.dob = t.dob
where x.first_name is null
   or (length(x.first_name) = 1
       and starts_with(t.name_a, x.first_name) and starts_with(t.name_b, x.first_name))
"""


def drop_ambiguous_twin_links(con: duckdb.DuckDBPyConnection, links: str) -> int:
    """Remove the model's links of records that could be either twin; returns how many records.

    Leaves `ambiguous_twin_records` (unique_id). Reviewers' matches (weight infinity) stay.
    """
    con.execute(AMBIGUOUS_TWIN_SQL)
    con.execute(
        f"""delete from {links}
            where match_weight != 'infinity'::double
              and (unique_id_l in (select unique_id from ambiguous_twin_records)
                   or unique_id_r in (select unique_id from ambiguous_twin_records))"""
    )
    return con.execute("select count(*) from ambiguous_twin_records").fetchall()[0][0]


def dob_key(dob: date | None) -> tuple[int, int, int] | None:
    """A date of birth with day and month in order, so that a swapped date compares equal."""
    if dob is None:
        return None
    return (dob.year, min(dob.month, dob.day), max(dob.month, dob.day))


@dataclass
class Group:
    """What a group of records says about its person: the facts the rules are checked on."""

    members: list[str]
    dobs: set[tuple[int, int, int]] = field(default_factory=set)
    nhs_numbers: set[str] = field(default_factory=set)
    indexes: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)  # records that cannot join any member

    def compatible(self, other: Group) -> bool:
        return (
            len(self.dobs | other.dobs) <= 1
            and len(self.nhs_numbers | other.nhs_numbers) <= 1
            and not (self.indexes & other.indexes)
            and self.excluded.isdisjoint(other.members)
        )

    def absorb(self, other: Group) -> None:
        self.members += other.members
        self.dobs |= other.dobs
        self.nhs_numbers |= other.nhs_numbers
        self.indexes |= other.indexes
        self.excluded |= other.excluded


@dataclass(frozen=True)
class Facts:
    """The facts of one record that the rules check."""

    unique_id: str
    dob: date | None
    nhs_number: str | None
    person_index: str | None  # the service system, for records of a person index


def split(
    records: list[Facts],
    links: list[tuple[float, str, str]],
    cannot_link: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """Rebuild one cluster from its links (match_weight, id, id); returns record id -> cluster id.

    `cannot_link` pairs never end in one part. The cluster id of a part is its smallest record
    id, so the outcome does not depend on the order the records or links were given in.
    """
    excluded: dict[str, set[str]] = defaultdict(set)
    for left, right in cannot_link:
        excluded[left].add(right)
        excluded[right].add(left)
    group_of: dict[str, Group] = {}
    for r in records:
        group_of[r.unique_id] = Group(
            [r.unique_id],
            {dob_key(r.dob)} if r.dob is not None else set(),
            {r.nhs_number} if r.nhs_number else set(),
            {r.person_index} if r.person_index else set(),
            set(excluded[r.unique_id]),
        )
    for weight, left, right in sorted(links, key=lambda link: (-link[0], link[1], link[2])):
        a, b = group_of[left], group_of[right]
        if a is b or (weight != math.inf and not a.compatible(b)):  # a reviewer's match always holds
            continue
        if len(a.members) < len(b.members):
            a, b = b, a
        a.absorb(b)
        for member in b.members:
            group_of[member] = a
    return {uid: min(group.members) for uid, group in group_of.items()}


def split_conflicted(con: duckdb.DuckDBPyConnection, clusters: str, links: str) -> int:
    """Rebuild the clusters of table `clusters` that break a rule; returns how many there were.

    `links` holds the pairs that were linked (unique_id_l, unique_id_r, match_weight); the
    connection holds `identity_cannot_link` (reviewers' "no match" pairs, maybe empty).
    """
    con.execute(CANNOT_LINK_SQL.format(clusters=clusters))
    con.execute(f"create or replace temp table conflicted as {CONFLICTED_SQL.format(clusters=clusters)}")
    members = con.execute(
        f"""select c.cluster_id, c.unique_id, i.dob, i.nhs_number, split_part(c.unique_id, ':', 1)
            from {clusters} as c join conflicted using (cluster_id)
            join identity_input as i using (unique_id)"""
    ).fetchall()
    edges = con.execute(
        f"""select cl.cluster_id, p.match_weight, p.unique_id_l, p.unique_id_r
            from {links} as p
            join {clusters} as cl on cl.unique_id = p.unique_id_l
            join {clusters} as cr on cr.unique_id = p.unique_id_r and cr.cluster_id = cl.cluster_id
            where cl.cluster_id in (select cluster_id from conflicted)"""
    ).fetchall()
    facts: dict[str, list[Facts]] = defaultdict(list)
    for cluster_id, uid, dob, nhs, system in members:
        facts[cluster_id].append(Facts(uid, dob, nhs, system if system in PERSON_INDEX_SYSTEMS else None))
    links_of: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    for cluster_id, weight, left, right in edges:
        links_of[cluster_id].append((weight, left, right))
    apart: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cluster_id, left, right in con.execute("select * from cluster_cannot_link").fetchall():
        apart[cluster_id].append((left, right))
    new_ids = {}
    for cluster_id, records in facts.items():
        new_ids.update(split(records, links_of[cluster_id], apart[cluster_id]))
    con.register("split_ids", pa.table({"unique_id": list(new_ids), "cluster_id": list(new_ids.values())}))
    con.execute(
        f"""update {clusters} as c set cluster_id = s.cluster_id
            from split_ids as s where s.unique_id = c.unique_id"""
    )
    con.unregister("split_ids")
    return len(facts)


def attach_name_only(con: duckdb.DuckDBPyConnection, clusters: str) -> int:
    """Attach lone name-only contacts (rule 2); returns how many. Leaves `name_only_attached`."""
    con.execute(ATTACH_SQL.format(clusters=clusters))
    con.execute(
        f"""update {clusters} as c set cluster_id = a.cluster_id
            from name_only_attached as a where a.unique_id = c.unique_id"""
    )
    return con.execute("select count(*) from name_only_attached").fetchall()[0][0]
