-- Agents and staff needed per queue and half-hour for the next two weeks (docs/forecast.md):
-- Erlang C on the forecast calls and the measured handling time, then shrinkage.
select
    cast(interval_start as timestamp) as interval_start,
    cast(service as {{ dbt.type_string() }}) as service,
    cast(forecast_calls as double) as forecast_calls,
    cast(aht_s as double) as aht_s,
    cast(agents_required as bigint) as agents_required,
    cast(staff_required as bigint) as staff_required,
    cast(service_level_target as double) as service_level_target,
    cast(target_wait_s as double) as target_wait_s,
    cast(shrinkage as double) as shrinkage,
    cast(max_occupancy as double) as max_occupancy,
    cast(forecast_origin as date) as forecast_origin
from {{ source('forecast', 'csc_staffing') }}
