-- One row per (feed, day) with a file loaded for that day: some version of the day's file has
-- status loaded or loaded_with_quarantine (a file loaded with some rows quarantined counts as
-- loaded). A file refused whole is not here, unless another version of it loaded: its rows are
-- in `raw` either way. Feeds are named by their raw table (FeedSpec.table).
select distinct
    table_name,
    file_date as day
from {{ ref('stg_ops__file_register') }}
where status in ('loaded', 'loaded_with_quarantine')
