-- The reporting date, defined once (publication and KPI contracts): the date of the newest
-- FI_ITEMS file loaded (status loaded or loaded with quarantine). A world without any FI_ITEMS
-- file yet falls back to the newest file date of any feed. first_date opens the reporting window:
-- the earliest file loaded, leaving out the yearly BUDGET files (dated by their fiscal year, not
-- by delivery). Python (the release, the gate, the transparency files) reads this table instead of
-- computing its own. One row; both dates NULL before the first file is loaded.
with loaded_files as (
    select
        table_name,
        file_date
    from {{ ref('stg_ops__file_register') }}
    where status in ('loaded', 'loaded_with_quarantine')
)

select
    min(case when table_name <> 'ibc_budget' then file_date end) as first_date,
    coalesce(
        max(case when table_name = 'ibc_fi_items' then file_date end),
        max(file_date)
    ) as reporting_date
from loaded_files
