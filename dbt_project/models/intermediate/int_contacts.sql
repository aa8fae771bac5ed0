{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['contact_id'],
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_reset() }}",
    post_hook="{{ incremental_record() }}",
    meta={'incremental': {'events': ['csc_crm_contacts']}},
) }}
-- depends_on: {{ source('csc', 'csc_crm_contacts') }}
-- CRM contacts with the reference data the KPIs need: the local date and month of created_at
-- (already Europe/London wall time), the UTC instant (for the 168-hour repeat window; an
-- ambiguous autumn wall time is read by the engine's rule), the reason's demand type (value or
-- failure; NULL for a reason missing from the seed) and the channel's unit cost.
with contacts as (
    select * from {{ ref('stg_csc__contacts') }}
    {%- if incremental_is_partial() %}
    -- Incremental: the contacts delivered in the window's files.
    where contact_id in (
        select contact_id from {{ source('csc', 'csc_crm_contacts') }}
        where {{ incremental_window('csc_crm_contacts') }}
    )
    {%- endif %}
)

select
    contacts.contact_id,
    contacts.created_at_local,
    {{ local_to_utc('contacts.created_at_local') }} as created_at_utc,
    cast(contacts.created_at_local as date) as created_date_local,
    {{ month_start('contacts.created_at_local') }} as month,
    contacts.channel,
    contacts.call_id,
    contacts.service,
    contacts.reason,
    reasons.demand_type,
    contacts.outcome,
    contacts.case_ref,
    contacts.agent_id,
    contacts.satisfaction,
    contacts.postcode_district,
    unit_costs.unit_cost_gbp
from contacts
left join {{ ref('contact_reasons') }} as reasons
    on lower(trim(contacts.reason)) = lower(reasons.reason)
left join {{ ref('channel_unit_costs') }} as unit_costs
    on contacts.channel = unit_costs.channel
