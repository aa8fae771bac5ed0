-- Contact-centre metrics by day and service (contracts/kpis.md, Customer contact, at the grain of
-- a day): the daily view the CSC huddle and the KPI pack read, so that no consumer totals the
-- person-level fct_contacts itself. Each measure is the monthly mart's definition on one local
-- day (CRM contacts by created date, offered inbound calls by offered date, short abandons out).
-- Every day of the reporting months up to the later of the reporting date and the last contact
-- has a row per service seen in the month: counts 0, rates NULL where nothing was offered.
with months as (
    select
        month,
        reporting_date
    from {{ ref('int_reporting_months') }}
),

contacts as (
    select contacts.*
    from {{ ref('fct_contacts') }} as contacts
    inner join months on contacts.month = months.month
    where contacts.source_system = 'crm' or contacts.direction = 'inbound'
),

last_day as (
    select max(contact_date) as last_contact_date
    from contacts
),

days as (
    select
        calendar.date_day as day,
        calendar.month
    from {{ ref('int_calendar') }} as calendar
    inner join months on calendar.month = months.month
    cross join last_day
    where
        calendar.date_day
        <= greatest(months.reporting_date, coalesce(last_day.last_contact_date, months.reporting_date))
),

services as (
    select distinct
        month,
        service
    from contacts
),

grid as (
    select
        days.day,
        days.month,
        services.service
    from days
    inner join services on days.month = services.month
),

daily as (
    select
        contact_date as day,
        service,
        sum(case when source_system = 'crm' then 1 else 0 end) as contacts,
        sum(case when is_offered then 1 else 0 end) as calls_offered,
        sum(case when is_offered and is_answered then 1 else 0 end) as calls_answered,
        sum(case when is_abandoned then 1 else 0 end) as calls_abandoned,
        sum(case when is_offered and is_answered and wait_s <= 20 then 1 else 0 end) as answered_within_20s
    from contacts
    group by contact_date, service
),

feeds as (
    select table_name
    from {{ ref('kpi_daily_feeds') }}
    where mart = 'kpi_csc_monthly'
),

missing as (
    select
        days.day,
        sum(case when loaded.day is null then 1 else 0 end) as missing_source_feeds
    from days
    cross join feeds
    left join {{ ref('int_loaded_feed_days') }} as loaded
        on
            feeds.table_name = loaded.table_name
            and days.day = loaded.day
    group by days.day
)

select
    grid.day,
    grid.month,
    grid.service,
    {{ counts_or_zero('daily', ['contacts', 'calls_offered', 'calls_answered', 'calls_abandoned',
        'answered_within_20s']) }},
    {{ safe_rate('daily.calls_abandoned', 'daily.calls_offered') }} as abandonment_rate,
    {{ safe_rate('daily.answered_within_20s', 'daily.calls_offered') }} as service_level_20s,
    cast(coalesce(missing.missing_source_feeds, 0) as integer) as missing_source_feeds,
    coalesce(missing.missing_source_feeds, 0) = 0 as is_complete
from grid
left join daily on grid.day = daily.day and grid.service = daily.service
left join missing on grid.day = missing.day
