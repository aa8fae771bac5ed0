"""The person records to resolve: one row per distinct source record, standardised.

Sources: CRM contacts (the customer details typed by the agent), e-form submissions and the
latest snapshot of each service person index. `source_system` and `source_record_id` follow the
simulator's truth (crm/contact_id, eforms/submission_id, <system>/source_person_id).

`record_date` orders records in time: when the contact was created or the form started, and for
a person index the date of the first snapshot that held the record. The earliest record of a
cluster names its customer (keys.py), so this date must never move for a record already seen.

A record that carries neither a name nor any contact detail (an anonymous call, an e-form
abandoned before the personal details) is not a person record and is left out.
"""

from __future__ import annotations

import duckdb

from identity import standardise
from ingestion.person_index import SYSTEMS as PERSON_INDEX_SYSTEMS

# Each source as the common shape: (source_system, source_record_id, record_date, first_name,
# middle_name, last_name, dob, address_line1, postcode, uprn, email, phone, nhs_number).
EMPTY_SQL = """
select null::varchar, null::varchar, null::timestamp, null::varchar, null::varchar, null::varchar, null::date,
       null::varchar, null::varchar, null::varchar, null::varchar, null::varchar, null::varchar
where false
"""

CRM_SQL = """
select 'crm' as source_system, contact_id as source_record_id, created_at as record_date,
       customer_first_name as first_name, null::varchar as middle_name, customer_last_name as last_name,
       customer_dob as dob, address_line1, postcode, uprn, customer_email as email,
       customer_phone as phone, null::varchar as nhs_number
from raw.csc_crm_contacts
qualify row_number() over (partition by contact_id order by _source_file desc, _row_number desc) = 1
"""

EFORMS_SQL = """
select 'eforms', submission_id, started_at, first_name, null::varchar, last_name, dob,
       null::varchar, postcode, uprn, email, null::varchar, null::varchar
from raw.web_eforms
qualify row_number() over (partition by submission_id order by _source_file desc, _row_number desc) = 1
"""

# The latest snapshot holds the record as the system has it now; the first snapshot dates it.
PERSON_INDEX_SQL = """
select '{system}', source_person_id,
       min(strptime(regexp_extract(_source_file, '(\\d{{8}})', 1), '%Y%m%d'))
           over (partition by source_person_id),
       first_name, middle_name, last_name, dob, address_line1, postcode, uprn, email, phone,
       {nhs_number}
from raw.person_index_{system}
qualify _source_file = max(_source_file) over ()
    and row_number() over (partition by source_person_id, _source_file order by _row_number desc) = 1
"""

STANDARDISE_SQL = """
create or replace temp table identity_records as
with unioned (source_system, source_record_id, record_date, first_name, middle_name, last_name, dob,
              address_line1, postcode, uprn, email, phone, nhs_number) as ({sources}),
std as (
    select source_system, source_record_id, record_date::timestamp as record_date,
           id_display(first_name) as first_name_display, id_display(middle_name) as middle_name_display,
           id_display(last_name) as last_name_display, id_display(address_line1) as address_display,
           id_name(first_name) as first_name, id_name(middle_name) as middle_name,
           id_name(last_name) as last_name, id_dob(dob) as dob, id_address(address_line1) as address,
           id_postcode(postcode) as postcode, id_uprn(uprn) as uprn, id_email(email) as email,
           id_phone(phone) as phone, id_nhs_number(nhs_number) as nhs_number
    from unioned
)
select std.source_system || ':' || std.source_record_id as unique_id, std.*,
       coalesce(f.forms, [std.first_name]) as first_name_forms,
       coalesce(f.first_name_key, std.first_name) as first_name_key,
       id_postcode_district(std.postcode) as postcode_district,
       id_postcode_sector(std.postcode) as postcode_sector
from std left join identity_name_forms as f on f.name = std.first_name
where coalesce(std.first_name, std.last_name, std.email, std.phone, std.nhs_number) is not null
order by unique_id
"""


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchall()[0][0]
    )


def source_sql() -> dict[str, str]:
    """{raw table: its records in the common shape}: the person records identity reads, by table."""
    sources = {"csc_crm_contacts": CRM_SQL, "web_eforms": EFORMS_SQL}
    for system in PERSON_INDEX_SYSTEMS:
        nhs = "nhs_number" if system == "adult_social_care" else "null::varchar"
        sources[f"person_index_{system}"] = PERSON_INDEX_SQL.format(system=system, nhs_number=nhs)
    return sources


# The raw tables identity reads (its asset's dependencies are derived from this, not listed again).
SOURCE_TABLES = tuple(source_sql())


def build(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create temp table `identity_records` from the raw tables; returns raw tables not there yet.

    A missing raw table (a feed not yet delivered on a new installation) contributes no records.
    """
    standardise.register(con)
    sources = source_sql()
    missing = [table for table in sources if not _table_exists(con, table)]
    present = [EMPTY_SQL] + [sql for table, sql in sources.items() if table not in missing]
    con.execute(STANDARDISE_SQL.format(sources=" union all ".join(present)))
    return missing
