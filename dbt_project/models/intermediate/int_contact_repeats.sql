{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['contact_id'],
    on_schema_change='fail',
    pre_hook=["{{ incremental_reset() }}", "{{ contact_repeats_delete_stale() }}"],
    post_hook="{{ incremental_record() }}",
    meta={'incremental': {'events': ['csc_crm_contacts']}},
) }}
-- depends_on: {{ source('csc', 'csc_crm_contacts') }}
-- For each CRM contact with a resolved customer: whether the same customer had another CRM
-- contact for the same service in the 168 hours before it (KPI dictionary,
-- repeat_contact_rate_7d). Instants are compared in UTC so that a clock change does not stretch
-- or shrink the window.
with resolved as (
    select
        contacts.contact_id,
        contacts.service,
        contacts.created_at_utc,
        xref.customer_key
    from {{ ref('int_contacts') }} as contacts
    inner join {{ ref('int_customer_xref') }} as xref
        on
            xref.source_system = 'crm'
            and contacts.contact_id = xref.source_record_id
    where xref.customer_key is not null
),

contacts as (
    select * from resolved
    {%- if incremental_is_partial() %}
    -- Incremental: every contact of a customer with a contact missing from the table (new, or
    -- deleted by the pre-hook as stale: macros/incremental_contacts.sql).
    where customer_key in (
        select missing.customer_key from resolved as missing
        where not exists (select 1 from {{ this }} as built where built.contact_id = missing.contact_id)
    )
    {%- endif %}
)

select
    contacts.contact_id,
    contacts.customer_key,
    count(earlier.contact_id) > 0 as is_repeat_contact_7d
from contacts
left join contacts as earlier
    on
        contacts.customer_key = earlier.customer_key
        and contacts.service = earlier.service
        and contacts.contact_id <> earlier.contact_id
        and contacts.created_at_utc >= earlier.created_at_utc
        and {{ dbt.dateadd('hour', -168, 'contacts.created_at_utc') }} <= earlier.created_at_utc
group by contacts.contact_id, contacts.customer_key
