-- The completeness columns of every monthly KPI mart (contracts/kpis.md, Completeness): per mart
-- (seed kpi_daily_feeds names its daily feeds) and reporting month, missing_source_days counts the
-- (feed, day) pairs over the days of the month up to the earlier of its last day and the reporting
-- date with no file loaded (int_loaded_feed_days: a refused file is missing, a file loaded with
-- quarantined rows is loaded, days before a feed's first delivery are missing); is_complete is
-- missing_source_days = 0 and the month has ended (int_reporting_months.has_ended: its last day
-- <= the reporting date). The marts join this model on (mart, month): the rule is written here only.
with months as (
    select
        month,
        has_ended,
        reporting_date
    from {{ ref('int_reporting_months') }}
),

mart_feeds as (
    select
        mart,
        table_name
    from {{ ref('kpi_daily_feeds') }}
),

marts as (
    select distinct mart from mart_feeds
),

expected_days as (
    select
        mart_feeds.mart,
        mart_feeds.table_name,
        months.month,
        calendar.date_day as day
    from months
    inner join {{ ref('int_calendar') }} as calendar
        on
            months.month = calendar.month
            and months.reporting_date >= calendar.date_day
    cross join mart_feeds
),

missing as (
    select
        expected_days.mart,
        expected_days.month,
        sum(case when loaded.day is null then 1 else 0 end) as missing_source_days
    from expected_days
    left join {{ ref('int_loaded_feed_days') }} as loaded
        on
            expected_days.table_name = loaded.table_name
            and expected_days.day = loaded.day
    group by expected_days.mart, expected_days.month
)

select
    marts.mart,
    months.month,
    cast(coalesce(missing.missing_source_days, 0) as integer) as missing_source_days,
    coalesce(missing.missing_source_days, 0) = 0 and months.has_ended as is_complete
from months
cross join marts
left join missing
    on
        marts.mart = missing.mart
        and months.month = missing.month
