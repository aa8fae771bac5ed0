-- How good the demand forecast is, every night (docs/forecast.md): per series, the chosen
-- model's MAPE and MASE against the seasonal-naive baseline's, on the rolling-origin back-test
-- and on last week (the forecast the method made seven days ago against what happened). A
-- forecast worse than the baseline is flagged here, and only here.
select
    cast(granularity as {{ dbt.type_string() }}) as granularity,
    cast(evaluation as {{ dbt.type_string() }}) as evaluation,
    cast(measure as {{ dbt.type_string() }}) as measure,
    cast(service as {{ dbt.type_string() }}) as service,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(model as {{ dbt.type_string() }}) as model,
    cast(origins as integer) as origins,
    cast(mape as double) as mape,
    cast(mase as double) as mase,
    cast(baseline_mape as double) as baseline_mape,
    cast(baseline_mase as double) as baseline_mase,
    coalesce(mase > baseline_mase, false) as is_worse_than_baseline,
    cast(forecast_origin as date) as forecast_origin
from {{ source('forecast', 'csc_forecast_accuracy') }}
