-- The months a release reports on: from the first month any loaded file covers to the month of
-- the reporting date (the newest file date loaded). The first and last may be partial months.
with loaded_files as (
    select
        min(file_date) as first_date,
        max(file_date) as reporting_date
    from {{ ref('stg_ops__file_register') }}
    where status in ('loaded', 'loaded_with_quarantine')
),

months as (
    {{ month_spine('(select first_date from loaded_files)', '(select reporting_date from loaded_files)') }}
)

select
    months.month,
    cast({{ dbt.last_day('months.month', 'month') }} as date) as month_end,
    loaded_files.reporting_date
from months
cross join loaded_files
