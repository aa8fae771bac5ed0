-- Daily demand, the history the contact-centre forecast (forecast/, docs/forecast.md) learns
-- from: CRM contacts by service and channel, and offered inbound calls by queue (the KPI
-- dictionary's offered calls: inbound, short abandons left out), on their local dates.
with contacts as (
    select
        created_date_local as day,
        'contacts' as measure,
        service,
        channel,
        count(*) as n
    from {{ ref('int_contacts') }}
    group by created_date_local, service, channel
),

calls as (
    select
        offered_date_local as day,
        'calls' as measure,
        service,
        'Phone' as channel,
        count(*) as n
    from {{ ref('int_calls') }}
    where is_offered
    group by offered_date_local, service
)

select * from contacts
union all
select * from calls
