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
)

select
    {{ dbt.concat(['unioned.source_system', "':'", 'unioned.source_record_id']) }} as contact_key,
    unioned.source_system,
    unioned.source_record_id,
    unioned.contact_at_local,
    unioned.contact_date,
    unioned.month,
    unioned.channel,
    unioned.service,
    unioned.reason,
    unioned.demand_type,
    unioned.outcome,
    unioned.direction,
    unioned.call_id,
    unioned.is_offered,
    unioned.is_answered,
    unioned.is_offered and not unioned.is_answered as is_abandoned,
    unioned.is_short_abandon,
    unioned.wait_s,
    unioned.handling_time_s,
    unioned.satisfaction,
    cast(unioned.unit_cost_gbp as decimal(18, 2)) as unit_cost_gbp,
    unioned.postcode_district,
    postcode_districts.local_authority_district,
    coalesce(crm_customers.customer_key, call_customers.customer_key) as customer_key,
    repeats.is_repeat_contact_7d
from unioned
left join crm_customers
    on
        unioned.source_system = 'crm'
        and unioned.source_record_id = crm_customers.contact_id
left join call_customers
    on
        unioned.source_system = 'telephony'
        and unioned.source_record_id = call_customers.call_id
left join {{ ref('int_contact_repeats') }} as repeats
    on
        unioned.source_system = 'crm'
        and unioned.source_record_id = repeats.contact_id
left join {{ ref('postcode_districts') }} as postcode_districts
    on unioned.postcode_district = postcode_districts.postcode_district
