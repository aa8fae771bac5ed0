-- Telephony call detail records: one row per call_id (a call delivered again is taken from the
-- later file, then the later line). Timestamps are UTC instants, as written; the local-time
-- conversion is int_calls. The caller's number stays in restricted.stg_csc__call_callers.
with calls as (
    {{ latest_version(source('csc', 'csc_telephony_cdr'), ['call_id'], order_by=[]) }}
)

select
    call_id,
    direction,
    queue,
    offered_at as offered_at_utc,
    answered_at as answered_at_utc,
    ended_at as ended_at_utc,
    agent_id,
    talk_s,
    hold_s,
    wrap_s,
    transferred_to,
    callback_requested
from calls
