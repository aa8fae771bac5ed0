-- PA0001 from the latest monthly snapshot, which holds the whole history.
with pa0001 as (
    {{ latest_snapshot(source('ibc', 'ibc_pa0001')) }}
)

select
    pernr as person_id,
    begda as valid_from,
    endda as valid_to,
    persg as employee_group,
    kostl as cost_centre,
    orgeh as org_unit,
    plans as position_id,
    stell as job_id,
    aedtm as changed_on
from pa0001
