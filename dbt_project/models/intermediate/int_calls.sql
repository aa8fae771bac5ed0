{{ config(materialized='view') }}
-- Telephony calls with their Europe/London local times (the UTC instants of the file converted
-- across the clock changes) and the KPI dictionary's call rules: a call's wait is answered_at -
-- offered_at when answered, else ended_at - offered_at, in seconds; a short abandon is an inbound
-- call never answered with a wait under 5 s; offered calls are inbound calls other than short
-- abandons; a call belongs to its queue and the local month of offered_at.
with timed as (
    select
        *,
        coalesce(answered_at_utc, ended_at_utc) as waited_until_utc
    from {{ ref('stg_csc__calls') }}
),

calls as (
    select
        *,
        {{ utc_to_local('offered_at_utc') }} as offered_at_local,
        {{ dbt.datediff('offered_at_utc', 'waited_until_utc', 'second') | trim }} as wait_s
    from timed
)

select
    call_id,
    direction,
    queue as service,
    offered_at_utc,
    offered_at_local,
    cast(offered_at_local as date) as offered_date_local,
    {{ month_start('offered_at_local') }} as month,
    cast(wait_s as bigint) as wait_s,
    answered_at_utc is not null as is_answered,
    direction = 'inbound' and answered_at_utc is null and wait_s < 5 as is_short_abandon,
    direction = 'inbound' and not (answered_at_utc is null and wait_s < 5) as is_offered,
    case
        when answered_at_utc is not null
            then cast(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(wrap_s, 0) as bigint)
    end as handling_time_s,
    agent_id,
    transferred_to,
    callback_requested
from calls
