-- The months a release reports on, from the month of the earliest extract loaded to the month of
-- the reporting date. The reporting date is the date of the newest FI_ITEMS file loaded (the
-- publication contract); a world without FI_ITEMS yet falls back to the newest file date of any
-- feed. The yearly BUDGET files are dated by their fiscal year, not by delivery, so they do not
-- start the window. The first and the last month may be partial: they are published like any other.
with loaded_files as (
    select
        table_name,
        file_date
    from {{ ref('stg_ops__file_register') }}
    where status in ('loaded', 'loaded_with_quarantine')
),

window_dates as (
    select
        min(case when table_name <> 'ibc_budget' then file_date end) as first_date,
        coalesce(
            max(case when table_name = 'ibc_fi_items' then file_date end),
            max(file_date)
        ) as reporting_date
    from loaded_files
),

months as (
    {{ month_spine('(select first_date from window_dates)', '(select reporting_date from window_dates)') }}
)

select
    months.month,
    {{ month_end('months.month') }} as month_end,
    {{ financial_year_label('months.month') }} as financial_year,
    cast(row_number() over (order by months.month) as integer) as month_number,
    window_dates.reporting_date
from months
cross join window_dates
