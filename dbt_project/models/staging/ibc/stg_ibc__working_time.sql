-- PA0007 from the latest monthly snapshot: contracted weekly hours over time.
with pa0007 as (
    {{ latest_snapshot(source('ibc', 'ibc_pa0007')) }}
)

select
    pernr as person_id,
    begda as valid_from,
    endda as valid_to,
    wostd as weekly_hours,
    aedtm as changed_on
from pa0007
