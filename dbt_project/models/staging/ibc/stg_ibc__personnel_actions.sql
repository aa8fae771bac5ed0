-- PA0000 personnel actions: the latest version of each PERNR + BEGDA + MASSN over every daily delta.
with pa0000 as (
    {{ latest_version(source('ibc', 'ibc_pa0000'), ['pernr', 'begda', 'massn']) }}
)

select
    pernr as person_id,
    begda as action_date,
    massn as action_type,
    massg as action_reason,
    aedtm as changed_on
from pa0000
