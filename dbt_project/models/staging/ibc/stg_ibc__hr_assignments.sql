-- PA0001 from the latest monthly snapshot, which holds the whole history.
with latest_snapshot as (
    select max(_source_file) as source_file
    from {{ source('ibc', 'ibc_pa0001') }}
)

select
    pa0001.pernr as person_id,
    pa0001.begda as valid_from,
    pa0001.endda as valid_to,
    pa0001.persg as employee_group,
    pa0001.kostl as cost_centre,
    pa0001.orgeh as org_unit,
    pa0001.plans as position_id,
    pa0001.stell as job_id,
    pa0001.aedtm as changed_on
from {{ source('ibc', 'ibc_pa0001') }} as pa0001
inner join latest_snapshot on pa0001._source_file = latest_snapshot.source_file
