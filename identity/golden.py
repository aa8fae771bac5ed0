"""The golden record: one row per customer with the best-known name, date of birth and address.

Survivorship, field by field, over the customer's records:

- first name: the most frequent, after dropping a nickname when its formal name is also
  present (Bob and Robert -> Robert);
- middle name, last name, date of birth, email, phone: the most frequent value;
- ties: a service person index record beats a contact (registered, checked details), then
  the most recent record wins;
- postcode: the one on the most recent record that has a postcode (people move: the latest
  address is the current one); address line and UPRN: from the most recent record with that
  postcode that has them;
- the written form (capitals, accents) of a chosen name is the one on its most recent record.
"""

from __future__ import annotations

import duckdb

# Value counts per customer: (customer_key, value, display, n, in_index, latest).
COUNTS_SQL = """
select customer_key, {column} as value, arg_max({display}, record_date) as display, count(*) as n,
       bool_or(in_index) as in_index, max(record_date) as latest
from golden_input where {column} is not null
group by customer_key, {column}
"""

# The winner per customer among counted values.
PICK_SQL = (
    "select customer_key, arg_max(display, (n, in_index, latest, value)) as {name} from {counts} group by 1"
)

GOLDEN_SQL = """
create or replace temp table resolved_golden as
with first_names as (
    select * from ({first_counts}) as f
    where not exists (
        select 1 from golden_input as g
        join identity_nicknames as k on k.formal_name = g.first_name
        where g.customer_key = f.customer_key and k.nickname = f.value
          -- the dataset relates some names both ways (Bob and Robert): then the shipped table,
          -- which has one direction, decides, and a pair related only both ways keeps both
          and (k.shipped or not exists (
              select 1 from identity_nicknames as back
              where back.nickname = k.formal_name and back.formal_name = k.nickname
          ))
    )
),
latest_postcode as (
    select customer_key, arg_max(postcode, (record_date, in_index, unique_id)) as postcode
    from golden_input where postcode is not null group by 1
),
address as (
    select p.customer_key, p.postcode,
           arg_max(g.address_display, (g.record_date, g.in_index, g.unique_id))
               filter (where g.address_display is not null) as address_line1,
           arg_max(g.uprn, (g.record_date, g.in_index, g.unique_id)) filter (where g.uprn is not null) as uprn
    from latest_postcode as p join golden_input as g using (customer_key, postcode)
    group by all
),
customers as (
    select customer_key, count(*) as records,
           list(distinct source_system order by source_system) as source_systems,
           min(record_date) as first_seen_at, max(record_date) as last_seen_at
    from golden_input group by 1
)
select c.customer_key, fn.first_name, mn.middle_name, ln.last_name, dob.date_of_birth,
       a.address_line1, a.postcode, a.uprn, em.email, ph.phone,
       c.records, c.source_systems, c.first_seen_at, c.last_seen_at
from customers as c
left join ({pick_first}) as fn using (customer_key)
left join ({pick_middle}) as mn using (customer_key)
left join ({pick_last}) as ln using (customer_key)
left join ({pick_dob}) as dob using (customer_key)
left join address as a using (customer_key)
left join ({pick_email}) as em using (customer_key)
left join ({pick_phone}) as ph using (customer_key)
order by c.customer_key
"""


def _pick(name: str, column: str, display: str) -> str:
    counts = f"({COUNTS_SQL.format(column=column, display=display)})"
    return PICK_SQL.format(name=name, counts=counts)


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create temp table `resolved_golden` from `resolved_xref` and `identity_records`."""
    con.execute(
        """create or replace temp table golden_input as
           select x.customer_key, r.*, r.source_system not in ('crm', 'eforms') as in_index
           from resolved_xref as x join identity_records as r using (source_system, source_record_id)"""
    )
    con.execute(
        GOLDEN_SQL.format(
            first_counts=COUNTS_SQL.format(column="first_name", display="first_name_display"),
            pick_first=PICK_SQL.format(name="first_name", counts="first_names"),
            pick_middle=_pick("middle_name", "middle_name", "middle_name_display"),
            pick_last=_pick("last_name", "last_name", "last_name_display"),
            pick_dob=_pick("date_of_birth", "dob", "dob"),
            pick_email=_pick("email", "email", "email"),
            pick_phone=_pick("phone", "phone", "phone"),
        )
    )
