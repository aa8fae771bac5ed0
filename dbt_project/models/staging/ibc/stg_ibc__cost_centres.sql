-- CSKS from the latest monthly snapshot: each cost centre's validity history. VERAK (the
-- responsible manager's PERNR) is left out: staff are never identifiable downstream.
with csks as (
    {{ latest_snapshot(source('ibc', 'ibc_csks')) }}
)

select
    kostl as cost_centre,
    datab as valid_from,
    datbi as valid_to,
    ktext as cost_centre_name,
    zdirect as directorate,
    zservice as service_area
from csks
