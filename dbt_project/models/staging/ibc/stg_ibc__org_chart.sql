-- ORGCHART from the latest monthly snapshot, which holds the whole history: each position's title
-- and the position it reports to (blank PLANS_UP, the chief executive, becomes NULL).
with orgchart as (
    {{ latest_snapshot(source('ibc', 'ibc_orgchart')) }}
)

select
    plans as position_id,
    begda as valid_from,
    endda as valid_to,
    stext as job_title,
    nullif(plans_up, '') as reports_to_position_id
from orgchart
