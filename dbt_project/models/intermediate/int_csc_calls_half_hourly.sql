-- Offered inbound calls per queue and local half-hour, with the answered calls and their
-- handling time: the intraday profile and the measured handling time (AHT) of the staffing
-- forecast (forecast/intraday.py).
with calls as (
    select
        service,
        is_answered,
        handling_time_s,
        {{ dbt.dateadd(
            'minute',
            "case when extract(minute from offered_at_local) >= 30 then 30 else 0 end",
            dbt.date_trunc('hour', 'offered_at_local')
        ) }} as interval_start
    from {{ ref('int_calls') }}
    where is_offered
)

select
    interval_start,
    service,
    count(*) as calls,
    sum(case when is_answered then 1 else 0 end) as calls_answered,
    coalesce(sum(case when is_answered then handling_time_s end), 0) as handling_time_s
from calls
group by interval_start, service
