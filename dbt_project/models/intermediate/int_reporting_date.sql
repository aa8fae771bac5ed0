-- The reporting date, defined once (publication and KPI contracts): the date of the newest
-- FI_ITEMS file loaded (status loaded or loaded with quarantine). A world without any FI_ITEMS
-- file yet falls back to the newest file date of any feed. first_date opens the reporting window:
-- the earliest file loaded, leaving out the files dated by the period they cover rather than by
-- delivery (FeedSpec date_format other than YYYYMMDD): the yearly BUDGET (its fiscal year) and the
-- monthly card statement (the month before its delivery on the 5th), which would otherwise open the
-- window a month or a year before any data was delivered. Python (the release, the gate, the
-- transparency files) reads this table instead of computing its own. One row; both dates NULL
-- before the first file is loaded.
with loaded_files as (
    select
        table_name,
        file_date
    from {{ ref('stg_ops__file_register') }}
    where status in ('loaded', 'loaded_with_quarantine')
)

select
    min(
        case when table_name not in ('ibc_budget', 'procurement_card_transactions') then file_date end
    ) as first_date,
    coalesce(
        max(case when table_name = 'ibc_fi_items' then file_date end),
        max(file_date)
    ) as reporting_date
from loaded_files
