-- The contact-centre demand forecast (docs/forecast.md): per day for the next eight weeks,
-- contacts by service and channel and offered calls by queue; per half-hour for the next two
-- weeks, offered calls by queue. With the model chosen on the back-test and the 80 % prediction
-- interval.
with daily as (
    select
        'day' as granularity,
        *
    from {{ source('forecast', 'csc_forecast_daily') }}
),

half_hourly as (
    select
        'half_hour' as granularity,
        *
    from {{ source('forecast', 'csc_forecast_half_hourly') }}
),

unioned as (
    select * from daily
    union all
    select * from half_hourly
)

select
    cast(granularity as {{ dbt.type_string() }}) as granularity,
    cast(period_start as timestamp) as period_start,
    cast(period_start as date) as forecast_date,
    cast(measure as {{ dbt.type_string() }}) as measure,
    cast(service as {{ dbt.type_string() }}) as service,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(model as {{ dbt.type_string() }}) as model,
    cast(forecast as double) as forecast,
    cast(lower as double) as forecast_lower_80,
    cast(upper as double) as forecast_upper_80,
    cast(forecast_origin as date) as forecast_origin
from unioned
