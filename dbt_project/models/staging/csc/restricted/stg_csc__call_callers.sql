-- The caller's number of each call (E.164), for identity resolution only. Restricted.
with calls as (
    {{ latest_version(source('csc', 'csc_telephony_cdr'), ['call_id'], order_by=[]) }}
)

select
    call_id,
    offered_at as offered_at_utc,
    caller_number
from calls
