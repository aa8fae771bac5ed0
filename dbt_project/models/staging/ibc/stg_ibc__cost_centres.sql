-- CSKS from the latest monthly snapshot: each cost centre's validity history.
with latest_snapshot as (
    select max(_source_file) as source_file
    from {{ source('ibc', 'ibc_csks') }}
)

select
    csks.kostl as cost_centre,
    csks.datab as valid_from,
    csks.datbi as valid_to,
    csks.ktext as cost_centre_name,
    csks.zdirect as directorate,
    csks.zservice as service_area
from {{ source('ibc', 'ibc_csks') }} as csks
inner join latest_snapshot on csks._source_file = latest_snapshot.source_file
