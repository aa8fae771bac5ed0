{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['contact_key'],
    on_schema_change='fail',
    pre_hook=["{{ incremental_reset() }}", "{{ fct_contacts_delete_stale() }}"],
    post_hook="{{ incremental_record() }}",
    meta={'incremental': {'events': ['csc_crm_contacts', 'csc_telephony_cdr']}},
) }}
-- depends_on: {{ source('csc', 'csc_crm_contacts') }}
-- depends_on: {{ source('csc', 'csc_telephony_cdr') }}
-- One row per CRM contact and per telephony call (both directions), with the pseudonymous
-- customer_key of identity resolution: a CRM contact's own, and for a call the key of the CRM
-- contact logged on it (call_id); NULL when unresolved. No agent or caller identifiers and no
-- customer details: the postcode district is the finest geography.
with contacts as (
    select * from {{ ref('int_contacts') }}
),

calls as (
    select * from {{ ref('int_calls') }}
),

crm_customers as (
    select
        xref.source_record_id as contact_id,
        xref.customer_key
    from {{ ref('int_customer_xref') }} as xref
    where xref.source_system = 'crm'
),

call_customers as (
    select
        contacts.call_id,
        min(crm_customers.customer_key) as customer_key
    from contacts
    inner join crm_customers on contacts.contact_id = crm_customers.contact_id
    where contacts.call_id is not null
    group by contacts.call_id
),

unioned as (
    select
        'crm' as source_system,
        contact_id as source_record_id,
        created_at_local as contact_at_local,
        created_date_local as contact_date,
        month,
        channel,
        service,
        reason,
        demand_type,
        outcome,
        cast(null as {{ dbt.type_string() }}) as direction,
        call_id,
        cast(null as boolean) as is_offered,
        cast(null as boolean) as is_answered,
        cast(null as boolean) as is_short_abandon,
        cast(null as bigint) as wait_s,
        cast(null as bigint) as handling_time_s,
        satisfaction,
        unit_cost_gbp,
        postcode_district
    from contacts
    union all
    select
        'telephony' as source_system,
        call_id as source_record_id,
        offered_at_local as contact_at_local,
        offered_date_local as contact_date,
        month,
        'Phone' as channel,
        service,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as demand_type,
        cast(null as {{ dbt.type_string() }}) as outcome,
        direction,
        call_id,
        is_offered,
        is_answered,
        is_short_abandon,
        wait_s,
        handling_time_s,
        cast(null as bigint) as satisfaction,
        cast(null as decimal(18, 2)) as unit_cost_gbp,
        cast(null as {{ dbt.type_string() }}) as postcode_district
    from calls
),

rebuilt as (
    select * from unioned
    {%- if incremental_is_partial() %}
    -- Incremental: the rows missing from the table (new, or deleted by the pre-hook as stale:
    -- macros/incremental_contacts.sql) and the calls of the CRM contacts missing from it.
    where
        not exists (
            select 1 from {{ this }} as built
            where
                built.source_system = unioned.source_system
                and built.source_record_id = unioned.source_record_id
        )
        or (
            unioned.source_system = 'telephony'
            and unioned.call_id in (
                select missing.call_id from contacts as missing
                where not exists (
                    select 1 from {{ this }} as built
                    where built.source_system = 'crm' and built.source_record_id = missing.contact_id
                )
            )
        )
    {%- endif %}
)

select
    {{ dbt.concat(['rebuilt.source_system', "':'", 'rebuilt.source_record_id']) }} as contact_key,
    rebuilt.source_system,
    rebuilt.source_record_id,
    rebuilt.contact_at_local,
    rebuilt.contact_date,
    rebuilt.month,
    rebuilt.channel,
    rebuilt.service,
    rebuilt.reason,
    rebuilt.demand_type,
    rebuilt.outcome,
    rebuilt.direction,
    rebuilt.call_id,
    rebuilt.is_offered,
    rebuilt.is_answered,
    rebuilt.is_offered and not rebuilt.is_answered as is_abandoned,
    rebuilt.is_short_abandon,
    rebuilt.wait_s,
    rebuilt.handling_time_s,
    rebuilt.satisfaction,
    cast(rebuilt.unit_cost_gbp as decimal(18, 2)) as unit_cost_gbp,
    rebuilt.postcode_district,
    postcode_districts.local_authority_district,
    coalesce(crm_customers.customer_key, call_customers.customer_key) as customer_key,
    repeats.is_repeat_contact_7d
from rebuilt
left join crm_customers
    on
        rebuilt.source_system = 'crm'
        and rebuilt.source_record_id = crm_customers.contact_id
left join call_customers
    on
        rebuilt.source_system = 'telephony'
        and rebuilt.source_record_id = call_customers.call_id
left join {{ ref('int_contact_repeats') }} as repeats
    on
        rebuilt.source_system = 'crm'
        and rebuilt.source_record_id = repeats.contact_id
left join {{ ref('postcode_districts') }} as postcode_districts
    on rebuilt.postcode_district = postcode_districts.postcode_district
