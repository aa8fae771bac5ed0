-- Customer contact KPIs by month and service (contracts/kpis.md, Customer contact): CRM contacts
-- by the local month of created_at and their service; inbound calls by the local month of
-- offered_at and their queue. Every service seen in the reporting months has a row for every
-- reporting month: counts and money 0, rates and means NULL where there is nothing to count.
with months as (
    select month from {{ ref('int_reporting_months') }}
),

contacts as (
    select contacts.*
    from {{ ref('fct_contacts') }} as contacts
    inner join months on contacts.month = months.month
),

services as (
    select distinct service
    from contacts
    where source_system = 'crm' or direction = 'inbound'
),

grid as (
    select
        months.month,
        services.service
    from months
    cross join services
),

crm as (
    select
        month,
        service,
        count(*) as contacts,
        sum(case when channel = 'Phone' then 1 else 0 end) as contacts_phone,
        sum(case when channel = 'Email' then 1 else 0 end) as contacts_email,
        sum(case when channel = 'Webchat' then 1 else 0 end) as contacts_webchat,
        sum(case when channel = 'Web form' then 1 else 0 end) as contacts_web_form,
        sum(case when channel = 'Face to face' then 1 else 0 end) as contacts_face_to_face,
        sum(case when channel in ('Social media', 'Letter') then 1 else 0 end) as contacts_other,
        sum(case when outcome = 'Resolved at first contact' then 1 else 0 end) as resolved_first_contact,
        sum(case when outcome <> 'Incomplete' then 1 else 0 end) as contacts_with_outcome,
        sum(case when demand_type = 'failure' then 1 else 0 end) as failure_demand,
        sum(case when is_repeat_contact_7d then 1 else 0 end) as repeat_contacts_7d,
        count(customer_key) as contacts_with_customer,
        sum(coalesce(unit_cost_gbp, 0)) as cost_to_serve_gbp,
        avg(cast(satisfaction as double precision)) as satisfaction_avg
    from contacts
    where source_system = 'crm'
    group by month, service
),

telephony as (
    select
        month,
        service,
        sum(case when is_offered then 1 else 0 end) as calls_offered,
        sum(case when is_offered and is_answered then 1 else 0 end) as calls_answered,
        sum(case when is_abandoned then 1 else 0 end) as calls_abandoned,
        sum(case when is_offered and is_answered and wait_s <= 20 then 1 else 0 end) as answered_within_20s,
        avg(case when is_offered and is_answered then cast(wait_s as double precision) end)
            as avg_speed_of_answer_s,
        avg(case when is_offered and is_answered then cast(handling_time_s as double precision) end)
            as avg_handling_time_s
    from contacts
    where source_system = 'telephony' and direction = 'inbound'
    group by month, service
)

select
    grid.month,
    grid.service,
    cast(coalesce(crm.contacts, 0) as bigint) as contacts,
    cast(coalesce(crm.contacts_phone, 0) as bigint) as contacts_phone,
    cast(coalesce(crm.contacts_email, 0) as bigint) as contacts_email,
    cast(coalesce(crm.contacts_webchat, 0) as bigint) as contacts_webchat,
    cast(coalesce(crm.contacts_web_form, 0) as bigint) as contacts_web_form,
    cast(coalesce(crm.contacts_face_to_face, 0) as bigint) as contacts_face_to_face,
    cast(coalesce(crm.contacts_other, 0) as bigint) as contacts_other,
    {{ safe_rate('crm.contacts_email + crm.contacts_webchat + crm.contacts_web_form', 'crm.contacts') }}
        as digital_share,
    cast(coalesce(telephony.calls_offered, 0) as bigint) as calls_offered,
    cast(coalesce(telephony.calls_answered, 0) as bigint) as calls_answered,
    cast(coalesce(telephony.calls_abandoned, 0) as bigint) as calls_abandoned,
    {{ safe_rate('telephony.calls_abandoned', 'telephony.calls_offered') }} as abandonment_rate,
    {{ safe_rate('telephony.answered_within_20s', 'telephony.calls_offered') }} as service_level_20s,
    telephony.avg_speed_of_answer_s,
    telephony.avg_handling_time_s,
    {{ safe_rate('crm.resolved_first_contact', 'crm.contacts_with_outcome') }}
        as first_contact_resolution_rate,
    {{ safe_rate('crm.failure_demand', 'crm.contacts') }} as avoidable_contact_rate,
    {{ safe_rate('crm.repeat_contacts_7d', 'crm.contacts_with_customer') }} as repeat_contact_rate_7d,
    cast(coalesce(crm.cost_to_serve_gbp, 0) as decimal(18, 2)) as cost_to_serve_gbp,
    crm.satisfaction_avg,
    {{ completeness_columns() }}
from grid
left join crm on grid.month = crm.month and grid.service = crm.service
left join telephony on grid.month = telephony.month and grid.service = telephony.service
{{ join_completeness('grid.month', 'kpi_csc_monthly') }}
