-- Cost centres over time (CSKS history of the latest snapshot) with their service area and
-- directorate: one row per cost centre and validity period.
with cost_centres as (
    select * from {{ ref('stg_ibc__cost_centres') }}
)

select
    {{ dbt.concat([
        'cost_centres.cost_centre',
        "'|'",
        dbt.cast('cost_centres.valid_from', dbt.type_string())
    ]) }} as organisation_key,
    cost_centres.cost_centre,
    cost_centres.cost_centre_name,
    cost_centres.service_area,
    cost_centres.directorate,
    directorates.directorate_name,
    cost_centres.valid_from,
    cost_centres.valid_to,
    cost_centres.valid_to = cast('9999-12-31' as date) as is_open_ended
from cost_centres
left join {{ ref('directorates') }} as directorates
    on cost_centres.directorate = directorates.directorate
