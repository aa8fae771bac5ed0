-- The months a release reports on, from the month of the earliest extract loaded to the month of
-- the reporting date (int_reporting_date). The first and the last month may be partial: they are
-- published like any other and say so in their completeness columns (int_kpi_completeness).
-- has_ended is the one definition of a month having ended for a release: its last day is on or
-- before the reporting date (the FI_ITEMS file of that day is loaded, so the month's postings
-- are). is_complete (int_kpi_completeness) and the transparency files (publication/transparency.py,
-- via publication.completeness.ended_months) both read it.
with window_dates as (
    select
        first_date,
        reporting_date
    from {{ ref('int_reporting_date') }}
),

months as (
    {{ month_spine('(select first_date from window_dates)', '(select reporting_date from window_dates)') }}
)

select
    months.month,
    {{ month_end('months.month') }} as month_end,
    {{ month_end('months.month') }} <= window_dates.reporting_date as has_ended,
    {{ financial_year_label('months.month') }} as financial_year,
    cast(row_number() over (order by months.month) as integer) as month_number,
    window_dates.reporting_date
from months
cross join window_dates
